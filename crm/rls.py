"""Row-level security: find every tenant-owned table and lock it. Applied after every migration.

A table is tenant-owned when its model has a `tenant` foreign key to `crm.Tenant`: subclasses of
`TenantOwnedModel`, their django-simple-history tables, and any other model that carries a tenant.
Discovery is automatic, so a new model cannot slip through; `check_tenancy` and the tests verify it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

POLICY_NAME = "tenant_isolation"
TENANT_SETTING = "(SELECT nullif(current_setting('app.tenant_id', true), '')::bigint)"
USER_SETTING = "(SELECT nullif(current_setting('app.user_id', true), '')::bigint)"

# Tables a user may read outside a tenant scope, for their own rows only (the tenant picker).
OWN_ROW_TABLES = {"crm_membership": "user_id"}


def definer_only_tables() -> list[str]:
    """Tables with a tenant_id but no RLS by design (settings.CRM_DEFINER_ONLY_TABLES, e.g. search_entry):
    the application role has no privilege on them and reaches them only through SECURITY DEFINER
    functions that filter on app.tenant_id themselves (ARCHITECTURE.md, "Search under RLS")."""
    from django.conf import settings

    return list(getattr(settings, "CRM_DEFINER_ONLY_TABLES", ()))


def tenant_owned_models() -> list[type[models.Model]]:
    from crm.models import Tenant

    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        try:
            field = model._meta.get_field("tenant")
        except Exception:  # noqa: S112 - a model without a tenant field is simply not tenant-owned
            continue
        if getattr(field, "related_model", None) is Tenant:
            found.append(model)
    return found


def untenanted_link_tables() -> list[str]:
    """Django's automatic many-to-many tables of tenant-owned models: they carry no tenant, so no
    row-level security can hold them. A tenant model's many-to-many needs an explicit, tenant-owned
    `through` model (e.g. opportunities.OpportunityCompetitor)."""
    found = set()
    for model in tenant_owned_models():
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through  # type: ignore[attr-defined]
            if through is not None and through._meta.auto_created and not _has_tenant(through):
                found.add(through._meta.db_table)
    return sorted(found)


def _has_tenant(model: type[models.Model]) -> bool:
    return any(field.name == "tenant" for field in model._meta.get_fields())


def tenant_owned_tables() -> list[str]:
    return sorted({model._meta.db_table for model in tenant_owned_models()})


def policy_expression(table: str) -> str:
    own_column = OWN_ROW_TABLES.get(table)
    if own_column:
        return f"(tenant_id = {TENANT_SETTING} OR {own_column} = {USER_SETTING})"
    return f"(tenant_id = {TENANT_SETTING})"


def apply_row_level_security(connection: BaseDatabaseWrapper, tables: list[str] | None = None) -> list[str]:
    """Enable and force RLS with the tenant policy on each table. Idempotent. Returns the tables changed.

    A policy is kept only when PostgreSQL renders it exactly as it renders the expected one, the same
    comparison `check_tenancy` makes (`inspect_tables`): a policy that merely mentions the tenant setting
    ("... OR true") is replaced."""
    changed = []
    quote = connection.ops.quote_name
    canonical: dict[str, tuple[str, str]] = {}  # expected USING -> PostgreSQL's rendering of the pair
    with connection.cursor() as cursor:
        for table in tables if tables is not None else tenant_owned_tables():
            using = policy_expression(table)
            check = f"(tenant_id = {TENANT_SETTING})"
            cursor.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity,"
                " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s),"
                " (SELECT pg_get_expr(p.polqual, p.polrelid) FROM pg_policy p"
                "   WHERE p.polrelid = c.oid AND p.polname = %s),"
                " (SELECT pg_get_expr(p.polwithcheck, p.polrelid) FROM pg_policy p"
                "   WHERE p.polrelid = c.oid AND p.polname = %s)"
                " FROM pg_class c WHERE c.oid = to_regclass(%s)",
                [POLICY_NAME, POLICY_NAME, POLICY_NAME, table],
            )
            row = cursor.fetchone()
            if row is None:
                continue
            enabled, forced, count, current_using, current_check = row
            if using not in canonical:
                canonical[using] = _canonical_expressions(cursor, table)
            intact = (current_using, current_check) == canonical[using]
            if (enabled, forced, count) == (True, True, 1) and intact:
                continue
            cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {quote(table)}")
            cursor.execute(
                f"CREATE POLICY {POLICY_NAME} ON {quote(table)} AS PERMISSIVE FOR ALL"
                f" USING {using} WITH CHECK {check}"
            )
            changed.append(table)
        if canonical:
            cursor.execute("DROP TABLE IF EXISTS crm_policy_probe")
    return changed


@dataclass(frozen=True)
class TableReport:
    table: str
    rls_enabled: bool
    rls_forced: bool
    policy_using: str | None
    policy_check: str | None
    expected_using: str = ""
    expected_check: str = ""
    other_permissive_policies: tuple[str, ...] = ()
    definer_only: bool = False
    app_role_privileges: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        if self.definer_only:
            # No RLS by design; what keeps it closed is that the application role cannot touch it.
            if not self.app_role_privileges:
                return []
            held = ", ".join(self.app_role_privileges)
            return [f"the application role holds {held} on this definer-only table"]
        problems = []
        if not self.rls_enabled:
            problems.append("row-level security is not enabled")
        if not self.rls_forced:
            problems.append("row-level security is not forced")
        if self.policy_using is None:
            problems.append(f"policy {POLICY_NAME} is missing")
        elif (self.policy_using, self.policy_check) != (self.expected_using, self.expected_check):
            problems.append(f"policy {POLICY_NAME} differs from the tenant policy: USING {self.policy_using}")
        for name in self.other_permissive_policies:
            # Permissive policies are OR-ed together: any other one can open rows of other tenants.
            problems.append(f"another permissive policy {name!r} widens access")
        return problems


def _canonical_expressions(cursor: Any, table: str) -> tuple[str, str]:
    """PostgreSQL's own rendering of the expected policy, from a throwaway temporary table."""
    cursor.execute("CREATE TEMP TABLE IF NOT EXISTS crm_policy_probe (tenant_id bigint, user_id bigint)")
    cursor.execute("DROP POLICY IF EXISTS probe ON crm_policy_probe")
    cursor.execute(
        f"CREATE POLICY probe ON crm_policy_probe USING {policy_expression(table)}"
        f" WITH CHECK (tenant_id = {TENANT_SETTING})"
    )
    cursor.execute(
        "SELECT pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) FROM pg_policy"
        " WHERE polrelid = 'crm_policy_probe'::regclass AND polname = 'probe'"
    )
    using, check = cursor.fetchone()
    return using, check


def inspect_tables(connection: BaseDatabaseWrapper) -> list[TableReport]:
    """Report on every tenant-owned model's table and every other table that has a tenant_id column."""
    with connection.cursor() as cursor:
        # pg_catalog, not information_schema: the latter hides tables the current role has no rights on.
        cursor.execute(
            "SELECT c.relname FROM pg_class c"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')"
        )
        from_catalog = {row[0] for row in cursor.fetchall()}
        tables = sorted(from_catalog | set(tenant_owned_tables()))
        definer_only = set(definer_only_tables())
        reports = []
        for table in tables:
            if table in definer_only:
                reports.append(_definer_only_report(cursor, table))
                continue
            expected_using, expected_check = _canonical_expressions(cursor, table)
            cursor.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity,"
                " (SELECT pg_get_expr(p.polqual, p.polrelid) FROM pg_policy p"
                "   WHERE p.polrelid = c.oid AND p.polname = %s),"
                " (SELECT pg_get_expr(p.polwithcheck, p.polrelid) FROM pg_policy p"
                "   WHERE p.polrelid = c.oid AND p.polname = %s),"
                " ARRAY(SELECT p.polname FROM pg_policy p"
                "   WHERE p.polrelid = c.oid AND p.polname <> %s AND p.polpermissive ORDER BY p.polname)"
                " FROM pg_class c WHERE c.oid = to_regclass(%s)",
                [POLICY_NAME, POLICY_NAME, POLICY_NAME, table],
            )
            row = cursor.fetchone()
            if row is None:
                reports.append(TableReport(table, False, False, None, None, expected_using, expected_check))
            else:
                enabled, forced, using, check, others = row
                reports.append(
                    TableReport(
                        table, enabled, forced, using, check, expected_using, expected_check, tuple(others)
                    )
                )
        cursor.execute("DROP TABLE IF EXISTS crm_policy_probe")
    return reports


TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def _definer_only_report(cursor: Any, table: str) -> TableReport:
    from django.conf import settings

    cursor.execute(
        "SELECT c.relrowsecurity, c.relforcerowsecurity,"
        " ARRAY(SELECT p FROM unnest(%s::text[]) AS p"
        "   WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)"
        "   AND has_table_privilege(%s, c.oid, p))"
        " FROM pg_class c WHERE c.oid = to_regclass(%s)",
        [list(TABLE_PRIVILEGES), settings.CRM_APP_DB_ROLE, settings.CRM_APP_DB_ROLE, table],
    )
    row = cursor.fetchone()
    if row is None:
        return TableReport(table, False, False, None, None, definer_only=True)
    enabled, forced, privileges = row
    return TableReport(
        table, enabled, forced, None, None, definer_only=True, app_role_privileges=tuple(privileges)
    )


@dataclass(frozen=True)
class RoleReport:
    name: str
    is_superuser: bool
    bypasses_rls: bool

    @property
    def is_safe(self) -> bool:
        return not self.is_superuser and not self.bypasses_rls


def inspect_role(connection: BaseDatabaseWrapper) -> RoleReport:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        name, is_superuser, bypasses = cursor.fetchone()
    return RoleReport(name, is_superuser, bypasses)


def grant_application_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give the application role DML on every table, never DDL, TRUNCATE or writes to migrations."""
    quote = connection.ops.quote_name
    role_q = quote(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None or role == connection.settings_dict["USER"]:
            return
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role_q}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role_q}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role_q}")
        cursor.execute(f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {role_q}")
        cursor.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role_q}")
        for table in definer_only_tables():
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is not None:
                cursor.execute(f"REVOKE ALL ON {quote(table)} FROM {role_q}")
