"""The nightly duplicates scan: one fan-out task queues one scan per active tenant (ids only)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task

from accounts.dedup.scan import duplicate_scan
from crm.jobs import tenant_task
from crm.models import Tenant


@tenant_task(name="accounts.duplicate_scan")
def duplicate_scan_task(*, tenant: Tenant) -> dict[str, Any]:
    """Scan one tenant. Idempotent: the scan upserts on the pair's unique constraint, so a task
    delivered twice, or after a crash (one transaction), leaves the queue as one run would."""
    return {kind: asdict(counts) for kind, counts in duplicate_scan().items()}


@shared_task(name="accounts.duplicate_scan_all")
def duplicate_scan_all() -> int:
    """Beat's nightly entry point: one scan task per active tenant. Returns the tasks queued."""
    tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        duplicate_scan_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)
