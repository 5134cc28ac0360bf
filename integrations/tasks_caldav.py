"""CalDAV sync tasks: one sync per account (queued by the activity listener, the "sync now" button and
the sweep), and the beat sweep every five minutes that queues every active account that is due."""

from __future__ import annotations

from celery import shared_task

from crm.jobs import tenant_task
from crm.models import Tenant
from integrations.caldav.services import caldav_due_claim, caldav_sync_dequeued, caldav_sync_enqueue
from integrations.caldav.sync import account_sync

BUSY_RETRY_SECONDS = 15


@tenant_task(name="integrations.caldav_sync")
def caldav_sync(*, tenant: Tenant, account_id: int) -> dict[str, int | str | bool]:
    """Sync one account (a run of the same account already going on makes this one a no-op)."""
    caldav_sync_dequeued(account_id=account_id)
    report = account_sync(account_id=account_id)
    if report.busy:
        # Another run holds the account: what changed meanwhile (a meeting created during that run)
        # must not wait for the periodic sync, so try again shortly.
        caldav_sync_enqueue(account_id=account_id, countdown=BUSY_RETRY_SECONDS)
    return {
        "pushed": report.pushed,
        "pulled": report.pulled,
        "conflicts": report.conflicts,
        "rejected": report.rejected,
        "error": report.error,
        "skipped": report.skipped,
    }


@tenant_task(name="integrations.caldav_sweep")
def caldav_sweep(*, tenant: Tenant) -> list[int]:
    """Queue a sync of each of this tenant's accounts that is due. Returns the accounts queued."""
    account_ids = caldav_due_claim()
    for account_id in account_ids:
        caldav_sync_enqueue(account_id=account_id)
    return account_ids


@shared_task(name="integrations.caldav_sweep_all")
def caldav_sweep_all() -> int:
    """Beat's entry point: one sweep per active tenant. Returns the tenants swept."""
    tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        caldav_sweep.delay(tenant_id=tenant_id)
    return len(tenant_ids)
