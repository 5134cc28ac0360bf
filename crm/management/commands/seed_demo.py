"""A realistic French demo: one company with a user in every role and a small team tree, and a second
company shared by two people, so that the tenant picker shows. Safe to run again (nothing doubles)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from crm.demo import seeders
from crm.models import Membership, Tenant, User
from crm.roles import Role
from crm.services import membership_create, membership_update, user_get_or_create
from crm.tenancy import tenant_scope
from governance.models import Team, TeamMember

DOMAIN = "demo.example"

# email local part, full name, role, manager's local part
DEMO_PEOPLE = [
    ("admin", "Claire Lefèvre", Role.TENANT_ADMIN, None),
    ("direction", "Philippe Moreau", Role.SALES_DIRECTOR, None),
    ("manager", "Sophie Bernard", Role.SALES_MANAGER, "direction"),
    ("manager.sud", "Karim Haddad", Role.SALES_MANAGER, "direction"),
    ("rep", "Julien Petit", Role.FIELD_SALES_REP, "manager"),
    ("terrain.lyon", "Camille Roux", Role.FIELD_SALES_REP, "manager"),
    ("inside", "Léa Fontaine", Role.INSIDE_SALES_REP, "manager.sud"),
    ("marketing", "Nicolas Garnier", Role.MARKETING_MANAGER, None),
    ("marketing.user", "Emma Chevalier", Role.MARKETING_USER, "marketing"),
    ("support.superviseur", "Thomas Girard", Role.SUPPORT_SUPERVISOR, None),
    ("support", "Manon Lambert", Role.SUPPORT_AGENT, "support.superviseur"),
    ("finance", "Isabelle Mercier", Role.FINANCE, None),
]

# team name, parent, manager's local part, members
DEMO_TEAMS = [
    ("Direction commerciale", None, "direction", []),
    ("Équipe Île-de-France et Nord", "Direction commerciale", "manager", ["rep", "terrain.lyon"]),
    ("Équipe Sud et sédentaires", "Direction commerciale", "manager.sud", ["inside"]),
    ("Marketing", None, "marketing", ["marketing.user"]),
    ("Service client", None, "support.superviseur", ["support"]),
]


class Command(BaseCommand):
    help = "Create or refresh the demo tenants (slug 'demo' and 'demo-distribution') and their users."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--password", required=True, help="password given to every demo user")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        demo = self._tenant("demo", "Durand Équipements SAS")
        second = self._tenant("demo-distribution", "Martin Distribution SARL")
        users = {
            local: self._user(f"{local}@{DOMAIN}", name, password)
            for local, name, _role, _manager in DEMO_PEOPLE
        }
        with tenant_scope(demo):
            memberships = {
                local: self._membership(demo, users[local], role)
                for local, _name, role, _manager in DEMO_PEOPLE
            }
            for local, _name, _role, manager in DEMO_PEOPLE:
                if manager and memberships[local].manager_id != memberships[manager].pk:
                    membership_update(membership=memberships[local], manager=memberships[manager], actor=None)
            teams: dict[str, Team] = {}
            for name, parent, manager, members in DEMO_TEAMS:
                team, _created = Team.objects.update_or_create(
                    name=name,
                    defaults={"parent": teams.get(parent or ""), "manager": memberships[manager]},
                    create_defaults={
                        "tenant": demo,
                        "parent": teams.get(parent or ""),
                        "manager": memberships[manager],
                    },
                )
                teams[name] = team
                for local in members:
                    TeamMember.objects.get_or_create(
                        team=team, membership=memberships[local], defaults={"tenant": demo}
                    )
            for seeder in seeders():
                summary = seeder.seed(demo, memberships)
                self.stdout.write(f"  {seeder.name}: {summary}")
        with tenant_scope(second):
            self._membership(second, users["direction"], Role.SALES_DIRECTOR)
            self._membership(second, users["admin"], Role.TENANT_ADMIN)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(users)} users in /t/demo/, 2 also in /t/demo-distribution/."
            )
        )
        for local, _name, role, _manager in DEMO_PEOPLE:
            self.stdout.write(f"  {local + '@' + DOMAIN:<36} {Role(role).label}")

    def _tenant(self, slug: str, name: str) -> Tenant:
        tenant, _created = Tenant.objects.get_or_create(slug=slug, defaults={"name": name})
        return tenant

    def _user(self, email: str, name: str, password: str) -> User:
        user = user_get_or_create(email=email, full_name=name)
        user.set_password(password)
        user.save(update_fields=["password"])
        return user

    def _membership(self, tenant: Tenant, user: User, role: str) -> Membership:
        existing = Membership.objects.filter(user=user).first()
        if existing is not None:
            return existing
        return membership_create(tenant=tenant, user=user, role=role, actor=None)
