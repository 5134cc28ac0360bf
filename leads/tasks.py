"""The lead sweeps, run by beat every five minutes: one task per active tenant, in its scope."""

from __future__ import annotations

from celery import shared_task

from crm.jobs import tenant_task
from crm.models import Tenant
from leads.services import lead_sla_sweep, lead_unassigned_sweep


@tenant_task(name="leads.sla_sweep")
def sla_sweep(*, tenant: Tenant) -> list[int]:
    """Flag and escalate this tenant's overdue first contacts (idempotent). Returns the leads flagged."""
    return lead_sla_sweep(tenant=tenant)


@tenant_task(name="leads.unassigned_sweep")
def unassigned_sweep(*, tenant: Tenant) -> list[int]:
    """Alert the managers about leads waiting too long in the queue (idempotent)."""
    return lead_unassigned_sweep(tenant=tenant)


@shared_task(name="leads.sweep_all")
def sweep_all() -> int:
    """Beat's entry point: both sweeps for each active tenant. Returns the tenants swept."""
    tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        sla_sweep.delay(tenant_id=tenant_id)
        unassigned_sweep.delay(tenant_id=tenant_id)
    return len(tenant_ids)
