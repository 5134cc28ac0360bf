"""The quote expiry sweep: beat runs the fan-out, one task per active tenant."""

from __future__ import annotations

from celery import shared_task

from crm.jobs import tenant_task
from crm.models import Tenant
from opportunities.services.quotes import quote_expire_overdue


@tenant_task(name="opportunities.quote_expire")
def quote_expire(*, tenant: Tenant) -> int:
    """Sent quotes of this tenant past their validity date become expired (idempotent)."""
    return quote_expire_overdue()


@shared_task(name="opportunities.quote_expire_all")
def quote_expire_all() -> int:
    tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        quote_expire.delay(tenant_id=tenant_id)
    return len(tenant_ids)
