"""Benchmark tenants, users and memberships: the main tenant with every role, managers and their reps,
and the small tenants with a few users each. Users are global; their password is hashed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password

from crm.benchdata import BenchContext, Generator, copy_columns, register, slug
from crm.benchdata.france import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from crm.benchmark import BENCH_USERS, EMAIL_DOMAIN, MAIN_TENANT_SLUG, PASSWORD
from crm.models import Membership, Tenant, User
from crm.roles import Role


@dataclass
class Member:
    user_id: int
    membership_id: int
    role: str
    email: str
    full_name: str
    manager_membership_id: int | None = None


@dataclass
class BenchTenant:
    id: int
    slug: str
    name: str
    is_main: bool
    members: list[Member] = field(default_factory=list)

    def with_role(self, *roles: str) -> list[Member]:
        return [member for member in self.members if member.role in roles]


SALES_REPS = (Role.FIELD_SALES_REP, Role.INSIDE_SALES_REP)

# The people of the main tenant besides managers and reps: (email local part, role, reports to).
MAIN_STAFF = [
    ("admin", Role.TENANT_ADMIN, None),
    ("director", Role.SALES_DIRECTOR, None),
    ("finance", Role.FINANCE, None),
    ("marketing", Role.MARKETING_MANAGER, None),
    ("marketing.user", Role.MARKETING_USER, "marketing"),
    ("support.lead", Role.SUPPORT_SUPERVISOR, None),
    ("support", Role.SUPPORT_AGENT, "support.lead"),
]

TENANT_COLUMNS = [
    "id",
    "name",
    "slug",
    "country",
    "currency",
    "language",
    "time_zone",
    "is_active",
    "created_at",
]
USER_COLUMNS = [
    "id", "password", "last_login", "is_superuser", "email", "full_name", "language", "is_active",
    "is_staff", "date_joined",
]  # fmt: skip
MEMBERSHIP_COLUMNS = ["id", "tenant_id", "user_id", "role", "manager_id", "is_active", "created_at"]

SMALL_TENANT_NAMES = ("Conseil", "Distribution", "Industrie", "Services", "Bâtiment", "Négoce", "Ingénierie")


def main_people(managers: int, users: int) -> list[tuple[str, str, str | None]]:
    """(local part, role, manager's local part) of every user of the main tenant, in a fixed order."""
    people: list[tuple[str, str, str | None]] = list(MAIN_STAFF)
    manager_locals = [f"manager.{n:03d}" for n in range(1, managers + 1)]
    people += [(local, Role.SALES_MANAGER, "director") for local in manager_locals]
    reps = users - len(people)
    inside = max(1, reps // 5)
    for n in range(reps):
        local = f"inside.{n - (reps - inside) + 1:03d}" if n >= reps - inside else f"rep.{n + 1:03d}"
        role = Role.INSIDE_SALES_REP if n >= reps - inside else Role.FIELD_SALES_REP
        people.append((local, role, manager_locals[n % managers]))
    return people


def generate(ctx: BenchContext) -> None:
    rng = ctx.rng("kernel")
    password = make_password(PASSWORD)
    profile = ctx.profile
    tenants: list[BenchTenant] = []
    tenant_rows, user_rows, membership_rows = [], [], []
    user_ids = iter(ctx.ids("crm_user", profile.main_users + profile.small_tenants * profile.small_users))
    membership_ids = iter(
        ctx.ids("crm_membership", profile.main_users + profile.small_tenants * profile.small_users)
    )

    def person(local: str, tenant: BenchTenant, role: str, manager: Member | None) -> Member:
        first = rng.choice(FIRST_NAMES_F if rng.random() < 0.5 else FIRST_NAMES_M)
        full_name = f"{first} {rng.choice(LAST_NAMES)}"
        member = Member(
            next(user_ids), next(membership_ids), role, f"{local}@{EMAIL_DOMAIN}", full_name,
            manager.membership_id if manager else None,
        )  # fmt: skip
        joined = ctx.timestamp(rng, years=6)
        user_rows.append(
            (member.user_id, password, None, False, member.email, full_name, "fr", True, False, joined)
        )
        membership_rows.append(
            (member.membership_id, tenant.id, member.user_id, role, member.manager_membership_id, True,
             joined + timedelta(hours=1))
        )  # fmt: skip
        tenant.members.append(member)
        return member

    tenant_ids = iter(ctx.ids("crm_tenant", 1 + profile.small_tenants))
    main = BenchTenant(next(tenant_ids), MAIN_TENANT_SLUG, "Bench Industries SA", is_main=True)
    tenants.append(main)
    by_local: dict[str, Member] = {}
    for local, role, manager in main_people(profile.main_managers, profile.main_users):
        by_local[local] = person(local, main, role, by_local.get(manager or ""))
    for role, email in BENCH_USERS.items():
        local = email.split("@")[0]
        assert by_local[local].role == role, (local, role)
    for index in range(1, profile.small_tenants + 1):
        name = f"{rng.choice(LAST_NAMES)} {rng.choice(SMALL_TENANT_NAMES)} {index:04d}"
        tenant = BenchTenant(next(tenant_ids), slug(index), name, is_main=False)
        tenants.append(tenant)
        admin = person(f"admin.t{index:04d}", tenant, Role.TENANT_ADMIN, None)
        for n in range(1, profile.small_users):
            person(f"rep.t{index:04d}.{n}", tenant, Role.FIELD_SALES_REP, admin if n == 1 else None)
    for tenant in tenants:
        created = ctx.timestamp(rng, years=6)
        tenant_rows.append(
            (tenant.id, tenant.name, tenant.slug, "FR", "EUR", "fr", "Europe/Paris", True, created)
        )
    ctx.copy("crm_tenant", copy_columns(Tenant, TENANT_COLUMNS), tenant_rows)
    ctx.copy("crm_user", copy_columns(User, USER_COLUMNS), user_rows)
    ctx.copy("crm_membership", copy_columns(Membership, MEMBERSHIP_COLUMNS), membership_rows)
    ctx.state["tenants"] = tenants
    ctx.state["main"] = main


register(Generator("kernel", generate, tables=("crm_tenant", "crm_user", "crm_membership"), order=10))
