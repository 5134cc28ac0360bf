"""Ops commands, run the way ops run them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.models import Membership, Tenant
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import Team

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_tenant_makes_the_tenant_and_its_first_admin() -> None:
    output = run("create_tenant", "acme", "--name", "Acme SAS", "--admin-email", "Boss@Acme.fr", "--no-input")

    tenant = Tenant.objects.get(slug="acme")
    with tenant_scope(tenant):
        admin = Membership.objects.select_related("user").get()
    assert (tenant.name, tenant.country, tenant.currency, tenant.language, tenant.time_zone) == (
        "Acme SAS",
        "FR",
        "EUR",
        "fr",
        "Europe/Paris",
    )
    assert (admin.user.email, admin.role) == ("boss@acme.fr", Role.TENANT_ADMIN)
    assert "acme" in output


def test_create_tenant_refuses_a_bad_slug_and_writes_nothing() -> None:
    with pytest.raises(CommandError, match="slug"):
        run("create_tenant", "Bad Slug!", "--name", "X", "--admin-email", "x@example.com", "--no-input")

    assert not Tenant.objects.exists()


def test_create_user_invites_into_a_tenant_with_a_role_and_manager(tenant, member) -> None:
    boss = member(tenant, Role.SALES_MANAGER)

    run(
        "create_user",
        "--tenant",
        "durand",
        "new@example.com",
        "--role",
        "field_sales_rep",
        "--manager",
        boss.user.email,
    )

    with tenant_scope(tenant):
        created = Membership.objects.get(user__email="new@example.com")
    assert (created.role, created.manager_id) == (Role.FIELD_SALES_REP, boss.pk)


def test_create_user_refuses_an_unknown_tenant() -> None:
    with pytest.raises(CommandError, match="No tenant"):
        run("create_user", "--tenant", "nope", "new@example.com", "--role", "finance")


def test_seed_demo_gives_every_role_a_user_and_can_run_twice() -> None:
    run("seed_demo", "--password", "demo-crm-2026")
    run("seed_demo", "--password", "demo-crm-2026")

    demo = Tenant.objects.get(slug="demo")
    with tenant_scope(demo):
        roles = set(Membership.objects.values_list("role", flat=True))
        memberships = Membership.objects.count()
        teams = Team.objects.count()
        rep = Membership.objects.select_related("manager__user").get(user__email="rep@demo.example")
    assert roles == set(Role.values)
    assert (memberships, teams) == (12, 5)
    assert rep.manager.user.email == "manager@demo.example"


def test_check_tenancy_is_clean_on_a_migrated_database() -> None:
    output = run("check_tenancy")

    assert "Tenancy OK" in output
    assert "crm_membership" in output
