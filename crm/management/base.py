"""Management commands that work inside one tenant take `--tenant SLUG` and run in its scope."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm.models import Tenant
from crm.tenancy import tenant_scope


class TenantCommand(BaseCommand):
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant", required=True, help="slug of the tenant to work in")

    def execute(self, *args: Any, **options: Any) -> str | None:
        slug = options.get("tenant")
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {slug!r}.")
        if not tenant.is_active:
            raise CommandError(f"Tenant {slug!r} is suspended.")
        with tenant_scope(tenant):
            return super().execute(*args, tenant_obj=tenant, **options)
