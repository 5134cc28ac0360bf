"""Tenancy fails closed, enforced twice: the ORM raises without a tenant, PostgreSQL hides foreign rows.

Every test here runs as the application role, on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from crm.models import ApiKey, Membership, Tenant
from crm.rls import (
    POLICY_NAME,
    TENANT_SETTING,
    inspect_role,
    inspect_tables,
    policy_expression,
    tenant_owned_models,
)
from crm.roles import Role
from crm.tenancy import NoTenantError, identity_scope, tenant_scope
from governance.models import Team
from tests.database import owner_connection

pytestmark = pytest.mark.django_db


def test_the_application_connects_as_a_role_that_row_level_security_binds() -> None:
    role = inspect_role(connection)

    assert role.name == connection.settings_dict["USER"]
    assert role.is_superuser is False
    assert role.bypasses_rls is False


def test_every_tenant_owned_table_has_rls_enabled_forced_and_the_tenant_policy() -> None:
    # Discovery is automatic: the known kernel tables must be among those found, history tables included.
    tables = {model._meta.db_table for model in tenant_owned_models()}
    assert {
        "crm_membership",
        "crm_historicalmembership",
        "crm_apikey",
        "crm_historicalapikey",
        "governance_team",
        "governance_historicalteam",
        "governance_teammember",
        "governance_tenantuserobjectpermission",
        "governance_tenantgroupobjectpermission",
    } <= tables

    reports = {report.table: report for report in inspect_tables(connection)}

    assert tables <= set(reports)
    assert {table: report.problems for table, report in reports.items() if report.problems} == {}
    for report in reports.values():
        if report.definer_only:
            assert report.app_role_privileges == ()
            continue
        assert report.rls_enabled
        assert report.rls_forced
        assert "app.tenant_id" in (report.policy_using or "")
        assert "IS NULL" not in (report.policy_using or "").upper()


def test_a_definer_only_table_is_reported_when_the_application_role_may_read_it(settings) -> None:
    # Given a table declared definer-only (no RLS by design) that a careless GRANT opened
    settings.CRM_DEFINER_ONLY_TABLES = [*settings.CRM_DEFINER_ONLY_TABLES, "definer_notes"]
    with owner_connection() as owner:
        owner.execute("CREATE TABLE definer_notes (id bigint, tenant_id bigint)")
    try:
        closed = {report.table: report for report in inspect_tables(connection)}["definer_notes"]
        with owner_connection() as owner:
            owner.execute(f"GRANT SELECT ON definer_notes TO {connection.settings_dict['USER']}")
        opened = {report.table: report for report in inspect_tables(connection)}["definer_notes"]
    finally:
        with owner_connection() as owner:
            owner.execute("DROP TABLE definer_notes")

    assert closed.problems == []
    assert opened.problems == ["the application role holds SELECT on this definer-only table"]


def test_a_table_with_a_tenant_column_but_no_rls_is_reported() -> None:
    # Given a table created behind the models' back (by the owner, as a careless migration would)
    with owner_connection() as owner:
        owner.execute("CREATE TABLE leaky_notes (id bigint, tenant_id bigint)")
    try:
        # When the tables are inspected, as check_tenancy does
        reports = {report.table: report for report in inspect_tables(connection)}
    finally:
        with owner_connection() as owner:
            owner.execute("DROP TABLE leaky_notes")

    # Then it is found by its column and every gap is named
    assert reports["leaky_notes"].problems == [
        "row-level security is not enabled",
        "row-level security is not forced",
        f"policy {POLICY_NAME} is missing",
    ]


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("CREATE POLICY debug_all ON governance_team FOR SELECT USING (true)", "another permissive policy"),
        (
            "DROP POLICY tenant_isolation ON governance_team;"
            " CREATE POLICY tenant_isolation ON governance_team USING"
            " (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::bigint) OR true)"
            " WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.tenant_id', true), '')::bigint))",
            "differs from the tenant policy",
        ),
    ],
    ids=["extra permissive policy", "widened tenant policy"],
)
def test_a_policy_that_widens_access_is_reported(sql: str, problem: str) -> None:
    with owner_connection() as owner:
        owner.execute(sql)
    try:
        reports = {report.table: report for report in inspect_tables(connection)}
    finally:
        # Put the real policy back, as the owner does after migrations.
        with owner_connection() as owner:
            owner.execute("DROP POLICY IF EXISTS debug_all ON governance_team")
            owner.execute("DROP POLICY IF EXISTS tenant_isolation ON governance_team")
            using = policy_expression("governance_team")
            owner.execute(
                f"CREATE POLICY tenant_isolation ON governance_team USING {using}"
                f" WITH CHECK (tenant_id = {TENANT_SETTING})"
            )

    assert any(problem in text for text in reports["governance_team"].problems)
    assert reports["crm_membership"].problems == []


def test_raw_sql_in_tenant_a_sees_none_of_tenant_b_rows(tenant: Tenant, other_tenant: Tenant, member) -> None:
    mine = member(tenant, Role.SALES_MANAGER)
    theirs = member(other_tenant, Role.SALES_MANAGER)

    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT id, tenant_id FROM crm_membership")
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM crm_historicalmembership WHERE tenant_id = %s", [other_tenant.pk]
        )
        foreign_history = cursor.fetchone()[0]

    assert rows == [(mine.pk, tenant.pk)]
    assert theirs.pk not in {row[0] for row in rows}
    assert foreign_history == 0


def test_inserting_a_row_of_tenant_b_from_tenant_a_is_rejected(
    tenant: Tenant, other_tenant: Tenant, member
) -> None:
    theirs = member(other_tenant)

    with tenant_scope(tenant):
        with (
            pytest.raises(ProgrammingError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "INSERT INTO governance_team (tenant_id, name) VALUES (%s, 'Intrus')", [other_tenant.pk]
            )
        # Nor can a row be moved into the other tenant.
        team = Team.objects.create(name="Nord")
        with (
            pytest.raises(ProgrammingError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE governance_team SET tenant_id = %s WHERE id = %s", [other_tenant.pk, team.pk]
            )

    with tenant_scope(other_tenant):
        assert list(Team.objects.values_list("name", flat=True)) == []
        assert Membership.objects.get().pk == theirs.pk


def test_without_a_tenant_the_orm_raises_and_raw_sql_sees_nothing(tenant: Tenant, member) -> None:
    member(tenant)
    with tenant_scope(tenant):
        Team.objects.create(name="Sud")

    with pytest.raises(NoTenantError):
        list(Team.objects.all())
    with pytest.raises(NoTenantError):
        Membership.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM governance_team")
        teams = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM crm_membership")
        memberships = cursor.fetchone()[0]
        cursor.execute("SELECT current_setting('app.tenant_id', true)")
        setting = cursor.fetchone()[0]
    assert (teams, memberships) == (0, 0)
    assert setting in ("", None)


def test_without_a_tenant_raw_sql_cannot_insert(tenant: Tenant) -> None:
    with (
        pytest.raises(ProgrammingError, match="row-level security"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("INSERT INTO governance_team (tenant_id, name) VALUES (%s, 'Sans scope')", [tenant.pk])


def test_an_error_inside_a_scope_surfaces_as_itself(tenant: Tenant) -> None:
    from django.db.utils import DataError

    with (
        pytest.raises(DataError, match="division by zero"),
        tenant_scope(tenant),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT 1/0")

    with tenant_scope(tenant):
        assert Team.objects.count() == 0  # and the connection is usable again


def test_inside_a_tenant_a_users_memberships_elsewhere_are_invisible(tenant, other_tenant, member) -> None:
    from tests.factories import MembershipFactory

    mine = member(tenant)
    with tenant_scope(other_tenant):
        elsewhere = MembershipFactory(tenant=other_tenant, user=mine.user)

    with tenant_scope(tenant, membership=mine), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM crm_membership")
        visible = {row[0] for row in cursor.fetchall()}
        cursor.execute("DELETE FROM crm_membership WHERE id = %s", [elsewhere.pk])
        deleted = cursor.rowcount

    assert visible == {mine.pk}
    assert deleted == 0


def test_a_tenant_scope_inside_an_identity_scope_hands_the_identity_back(tenant, member) -> None:
    mine = member(tenant)

    with identity_scope(mine.user):
        with tenant_scope(tenant):
            pass
        visible = list(Membership.objects.for_user(mine.user).values_list("pk", flat=True))

    assert visible == [mine.pk]


def test_a_nested_scope_gives_the_outer_tenant_back(tenant: Tenant, other_tenant: Tenant) -> None:
    with tenant_scope(tenant):
        Team.objects.create(name="Ouest")
        with tenant_scope(other_tenant):
            assert Team.objects.count() == 0
        assert list(Team.objects.values_list("name", flat=True)) == ["Ouest"]


def test_identity_scope_shows_a_user_their_own_memberships_only(
    tenant: Tenant, other_tenant: Tenant, member
) -> None:
    mine = member(tenant)
    with tenant_scope(other_tenant):
        from tests.factories import MembershipFactory

        also_mine = MembershipFactory(tenant=other_tenant, user=mine.user)
    stranger = member(tenant)

    with identity_scope(mine.user):
        visible = set(Membership.objects.unscoped().values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM governance_team")
            assert cursor.fetchone()[0] == 0

    assert visible == {mine.pk, also_mine.pk}
    assert stranger.pk not in visible


def test_a_model_saved_in_one_tenant_cannot_be_saved_into_another(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    with tenant_scope(tenant):
        team = Team.objects.create(name="Est")
    with tenant_scope(other_tenant):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            team.save()


def test_api_keys_of_another_tenant_are_invisible(tenant: Tenant, other_tenant: Tenant) -> None:
    from crm.services import api_key_create

    with tenant_scope(other_tenant):
        api_key_create(tenant=other_tenant, name="ERP", role=Role.FINANCE, actor=None)
    with tenant_scope(tenant):
        assert ApiKey.objects.count() == 0
        assert ApiKey.objects.unscoped().count() == 0  # the escape hatch still meets RLS


@pytest.mark.django_db(databases=["default", "owner"])
def test_applying_rls_replaces_a_policy_that_only_looks_like_the_tenant_policy() -> None:
    # Given a tenant policy widened by "OR true": it names app.tenant_id, so a substring check passed it.
    # Everything runs in the owner connection's test transaction, rolled back at the end.
    from django.db import connections

    from crm.rls import apply_row_level_security

    owner = connections["owner"]
    with owner.cursor() as cursor:
        cursor.execute("DROP POLICY tenant_isolation ON governance_team")
        cursor.execute(
            "CREATE POLICY tenant_isolation ON governance_team"
            f" USING (tenant_id = {TENANT_SETTING} OR true) WITH CHECK (tenant_id = {TENANT_SETTING})"
        )
    widened = {report.table: report for report in inspect_tables(owner)}["governance_team"]

    # When RLS is applied, as after every migration
    changed = apply_row_level_security(owner, ["governance_team", "crm_membership"])

    # Then the widened policy is replaced by the exact tenant policy; the intact one is left alone
    reports = {report.table: report for report in inspect_tables(owner)}
    assert widened.problems != []
    assert changed == ["governance_team"]
    assert reports["governance_team"].problems == []
    assert apply_row_level_security(owner, ["governance_team"]) == []
