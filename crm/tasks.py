"""Kernel tasks: the worker's health check, and a tenant-scoped probe used by the tests and /healthz."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import connection

from crm.jobs import run_once, tenant_task
from crm.models import Membership, Tenant
from crm.rls import inspect_role


@shared_task(name="crm.health_check")
def health_check() -> dict[str, Any]:
    """Runs on a worker: proves the broker delivered it and the worker reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    role = inspect_role(connection)
    return {"database": "ok", "role_is_restricted": role.is_safe}


@tenant_task(name="crm.tenant_probe")
def tenant_probe(*, tenant: Tenant, key: str) -> dict[str, Any]:
    """Counts the tenant's memberships from inside its scope; claims `key` once."""
    first_time = run_once(f"tenant_probe:{key}")
    return {"tenant": tenant.slug, "memberships": Membership.objects.count(), "first_time": first_time}
