"""The import job's task: claims the job once, then imports it batch by batch."""

from __future__ import annotations

import functools

from celery import shared_task
from django.db import transaction

from accounts.imports.services import import_claim, import_run
from accounts.imports.supervision import import_fail_stalled
from crm.jobs import tenant_task
from crm.models import Tenant


@tenant_task(name="accounts.import_run")
def import_run_task(*, tenant: Tenant, job_id: int) -> bool:
    """Run the import `job_id`; a job already claimed, running or finished is left alone (a task
    delivered twice imports once). The claim commits first, then each batch commits on its own:
    the rows are written after the task's scope transaction, in their own tenant scopes."""
    job = import_claim(job_id=job_id)
    if job is None:
        return False
    transaction.on_commit(functools.partial(import_run, job=job))
    return True


@tenant_task(name="accounts.import_stalled_sweep")
def import_stalled_sweep(*, tenant: Tenant) -> int:
    """Mark this tenant's imports whose worker died as failed (idempotent). Returns how many."""
    return import_fail_stalled()


@shared_task(name="accounts.import_stalled_sweep_all")
def import_stalled_sweep_all() -> int:
    """Beat's entry point (every 5 minutes): one sweep per active tenant. Returns the tasks queued."""
    tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        import_stalled_sweep.delay(tenant_id=tenant_id)
    return len(tenant_ids)
