"""Celery tasks of the tasks part: beat calls `minute_sweep_all` every minute (CELERY_BEAT_SCHEDULE),
which queues one `minute_sweep` per active tenant; each, in that tenant's scope, turns the reminders
that came due into notifications, then e-mails the pending notifications. Both read their rows from
PostgreSQL under SKIP LOCKED (never a broker ETA): running twice, or on two workers, delivers once."""

from __future__ import annotations

from celery import shared_task

from activities.services.tasks import task_reminder_sweep
from crm.jobs import tenant_task
from crm.models import Tenant
from crm.notifications import deliver_pending


@tenant_task(name="activities.minute_sweep")
def minute_sweep(*, tenant: Tenant) -> dict[str, int]:
    """Reminders due, then pending e-mails, of one tenant. Returns how many of each."""
    reminded = task_reminder_sweep(tenant=tenant)
    delivered = deliver_pending(tenant=tenant)
    return {"reminded": reminded, **delivered}


@shared_task(name="activities.minute_sweep_all")
def minute_sweep_all() -> int:
    """Beat's entry point: one sweep per active tenant. Returns the tasks queued."""
    tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        minute_sweep.delay(tenant_id=tenant_id)
    return len(tenant_ids)
