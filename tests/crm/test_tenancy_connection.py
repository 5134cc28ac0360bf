"""The tenant setting on a connection outside any test transaction (autocommit, as in production)."""

from __future__ import annotations

from django.db import connection

from crm.models import Tenant
from crm.tenancy import tenant_scope


def test_the_tenant_setting_is_transaction_local(django_db_setup, django_db_blocker) -> None:
    # Outside the test's wrapping transaction, on an autocommit connection like a pooled one: the
    # setting must vanish with the scope's own transaction, never stay on the connection.
    with django_db_blocker.unblock():
        connection.close()
        try:
            with tenant_scope(Tenant(pk=424242, slug="ghost")), connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('app.tenant_id')")
                inside = cursor.fetchone()[0]
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('app.tenant_id', true)")
                after = cursor.fetchone()[0]
        finally:
            connection.close()

    assert inside == "424242"
    assert after in ("", None)
