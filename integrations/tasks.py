"""Mailbox polling, run by beat every two minutes: a sweep per active tenant lists its due mailboxes
(PostgreSQL decides what is due), then one task per mailbox polls it (integrations.mail.poller)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from crm.jobs import tenant_task
from crm.models import Tenant
from integrations.mail.poller import due_mailboxes, mailbox_poll


@tenant_task(name="integrations.mailbox_poll")
def mailbox_poll_task(*, tenant: Tenant, mailbox_id: int) -> dict[str, object]:
    """Poll one mailbox; never raises (the mailbox's sync state says what went wrong)."""
    result = mailbox_poll(mailbox_id=mailbox_id)
    return {
        "ran": result.ran,
        "imported": result.imported,
        "rejected": result.rejected,
        "error": result.error,
    }


@tenant_task(name="integrations.mailbox_sweep")
def mailbox_sweep(*, tenant: Tenant) -> list[int]:
    """Queue a poll for each of this tenant's due mailboxes. Returns their ids."""
    mailbox_ids = due_mailboxes(timezone.now())
    for mailbox_id in mailbox_ids:
        mailbox_poll_task.delay(tenant_id=tenant.pk, mailbox_id=mailbox_id)
    return mailbox_ids


@shared_task(name="integrations.mailbox_sweep_all")
def mailbox_sweep_all() -> int:
    """Beat's entry point: the mailbox sweep of each active tenant. Returns the tenants swept."""
    tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        mailbox_sweep.delay(tenant_id=tenant_id)
    return len(tenant_ids)
