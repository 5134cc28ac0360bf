"""Rebuild the global search entries of one tenant: `manage.py search_reindex --tenant SLUG`.

Runs in the tenant's scope (one transaction): searches keep seeing the old entries until it commits.
Use it after an import that bypassed the services, or after changing what is indexed.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from accounts.search import register_search
from crm.management.base import TenantCommand
from governance import search


class Command(TenantCommand):
    help = "Rebuild the global search entries (accounts, contacts...) of one tenant, in batches."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--type",
            action="append",
            dest="types",
            help="only this object type (e.g. accounts.contact); may be repeated",
        )
        parser.add_argument("--batch-size", type=int, default=search.BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        register_search()  # idempotent: the registry is normally filled by the apps' ready()
        tenant = options["tenant_obj"]
        known = [entry.object_type for entry in search.registered_types()]
        types = options["types"] or known
        unknown = sorted(set(types) - set(known))
        if unknown:
            raise CommandError(f"Unknown type(s): {', '.join(unknown)}. Known: {', '.join(known)}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        for object_type in types:
            count = search.rebuild(object_type, batch_size=options["batch_size"])
            self.stdout.write(f"{object_type}: {count} entries indexed for {tenant.slug}")
