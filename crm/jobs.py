"""The task wrapper: every tenant job takes a tenant id, runs in that tenant's scope, and is idempotent.

    @tenant_task(name="leads.sweep_sla")
    def sweep_sla(*, tenant: Tenant, lead_id: int) -> None: ...

    sweep_sla.delay(tenant_id=tenant.pk, lead_id=lead.pk)

`run_once(key)` inside a task body records the key under a unique constraint in the same transaction
as the work, so a task delivered twice (acks_late, a crash, a retry) does its work once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import IntegrityError, transaction

from crm.models import Tenant
from crm.tenancy import current_tenant, tenant_scope


def tenant_task(*, name: str, **task_options: Any) -> Callable[[Callable[..., Any]], Any]:
    def decorator(function: Callable[..., Any]) -> Any:
        @functools.wraps(function)
        def run(*, tenant_id: int, **kwargs: Any) -> Any:
            tenant = Tenant.objects.filter(pk=tenant_id, is_active=True).first()
            if tenant is None:
                return None  # the tenant was removed or suspended since the task was queued
            with tenant_scope(tenant):
                return function(tenant=tenant, **kwargs)

        options = {"acks_late": True, **task_options}
        return shared_task(name=name, **options)(run)

    return decorator


def run_once(key: str) -> bool:
    """True the first time `key` is claimed in this tenant; False when the work was already done."""
    from crm.models import JobRun

    try:
        with transaction.atomic():
            JobRun.objects.create(tenant=current_tenant(), key=key)
    except IntegrityError:
        return False
    return True
