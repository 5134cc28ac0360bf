"""Celery tasks of the pipeline's rules: beat calls the `_all` entry points (CELERY_BEAT_SCHEDULE),
which queue one task per active tenant; each runs its sweep in that tenant's scope (opportunities.rules).
Running a sweep twice alerts once."""

from __future__ import annotations

from celery import shared_task

from crm.jobs import tenant_task
from crm.models import Tenant
from opportunities import rules


@tenant_task(name="opportunities.rules_sweep")
def rules_sweep(*, tenant: Tenant) -> dict[str, int]:
    """Overdue close dates and inactivity reminders of one tenant. Returns how many of each."""
    return {"overdue": rules.overdue_close_date_sweep(), "inactive": rules.inactivity_sweep()}


@shared_task(name="opportunities.rules_sweep_all")
def rules_sweep_all() -> int:
    """Beat's entry point: one sweep per active tenant. Returns the tasks queued."""
    tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        rules_sweep.delay(tenant_id=tenant_id)
    return len(tenant_ids)
