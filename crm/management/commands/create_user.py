from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from crm.management.base import TenantCommand
from crm.models import Membership, User
from crm.roles import Role
from crm.services import membership_create, user_get_or_create


class Command(TenantCommand):
    help = "Invite a person into a tenant with a role (creates the user when the email is new)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="")
        parser.add_argument("--password", help="omit to let the person set it through password reset")
        parser.add_argument("--manager", help="email of the manager, a member of the same tenant")

    def handle(self, *args: Any, tenant_obj: Any, **options: Any) -> None:
        manager = None
        if options["manager"]:
            manager = Membership.objects.filter(user__email__iexact=options["manager"]).first()
            if manager is None:
                raise CommandError(f"{options['manager']} is not a member of this tenant.")
        try:
            user: User = user_get_or_create(
                email=options["email"], password=options["password"], full_name=options["name"]
            )
            membership = membership_create(
                tenant=tenant_obj, user=user, role=options["role"], manager=manager, actor=None
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"{user.email} joined {tenant_obj.slug} as {membership.role}"))
