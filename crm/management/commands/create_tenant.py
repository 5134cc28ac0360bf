from __future__ import annotations

from argparse import ArgumentParser
from getpass import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.models import Tenant
from crm.services import tenant_create


class Command(BaseCommand):
    help = "Create a tenant with its first administrator (a new user, or an existing one who joins)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "slug", help="lower-case letters, digits and dashes: the /t/<slug>/ of the tenant"
        )
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--admin-password", help="omit to be asked (or to keep an existing user's)")
        parser.add_argument("--country", default=Tenant.Country.FRANCE, choices=Tenant.Country.values)
        parser.add_argument("--currency", default=Tenant.Currency.EUR, choices=Tenant.Currency.values)
        parser.add_argument("--language", default=Tenant.Language.FRENCH, choices=Tenant.Language.values)
        parser.add_argument("--time-zone", default="Europe/Paris")
        parser.add_argument("--no-input", action="store_true", help="never prompt for a password")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["admin_password"]
        if password is None and not options["no_input"]:
            password = getpass("Password of the administrator (empty: set it by password reset): ") or None
        try:
            tenant, membership = tenant_create(
                name=options["name"],
                slug=options["slug"],
                admin_email=options["admin_email"],
                admin_password=password,
                admin_full_name=options["admin_name"],
                country=options["country"],
                currency=options["currency"],
                language=options["language"],
                time_zone=options["time_zone"],
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Tenant {tenant.slug!r} created; administrator {membership.user.email} (/t/{tenant.slug}/)"
            )
        )
