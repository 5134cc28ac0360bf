"""The sweeps, through the real Celery tasks: SLA breach (flag, e-mail owner and manager, once) and the
queue (alert the managers once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from crm.roles import Role
from crm.tenancy import tenant_scope
from leads.models import Lead, LeadSettings
from leads.services import lead_create, lead_log_first_contact
from leads.tasks import sla_sweep, sweep_all, unassigned_sweep

pytestmark = pytest.mark.django_db


def _overdue(tenant, **data) -> Lead:
    lead = lead_create(tenant=tenant, actor=None, data={"last_name": "Dubois", **data})
    Lead.objects.filter(pk=lead.pk).update(first_contact_due_at=timezone.now() - timedelta(minutes=5))
    return lead


def test_an_overdue_lead_is_flagged_and_escalated_once(
    tenant, member, django_capture_on_commit_callbacks
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, manager=manager)
    with tenant_scope(tenant):
        lead = _overdue(tenant, owner=rep.user)
        on_time = lead_create(tenant=tenant, actor=None, data={"last_name": "Martin", "owner": rep.user})
    with django_capture_on_commit_callbacks(execute=True):
        first = sla_sweep.apply(kwargs={"tenant_id": tenant.pk}).get()
    with django_capture_on_commit_callbacks(execute=True):
        second = sla_sweep.apply(kwargs={"tenant_id": tenant.pk}).get()
    with tenant_scope(tenant):
        lead.refresh_from_db()
        on_time.refresh_from_db()
        reason = lead.history.latest().history_change_reason  # type: ignore[attr-defined]
    assert (first, second) == ([lead.pk], [])
    assert lead.sla_breached_at is not None
    assert lead.sla_escalated_at is not None
    assert on_time.sla_breached_at is None
    assert reason == "Délai de premier contact dépassé : escaladée"  # the tenant's language
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [rep.user.email, manager.user.email]
    assert mail.outbox[0].subject == "Premier contact en retard : Dubois"


def test_a_lead_contacted_in_time_is_not_flagged(tenant, member) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        lead = _overdue(tenant, owner=rep.user)
        lead_log_first_contact(lead=lead, actor=rep.user)
    assert sla_sweep.apply(kwargs={"tenant_id": tenant.pk}).get() == []
    assert mail.outbox == []


def test_an_overdue_lead_of_the_queue_goes_to_the_managers(
    tenant, member, django_capture_on_commit_callbacks
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    member(tenant)  # a rep: not alerted
    with tenant_scope(tenant):
        lead = _overdue(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep.apply(kwargs={"tenant_id": tenant.pk}).get() == [lead.pk]
    assert mail.outbox[0].to == [manager.user.email]


def test_the_unassigned_sweep_alerts_the_managers_once(
    tenant, member, django_capture_on_commit_callbacks
) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        LeadSettings.objects.create(tenant=tenant, max_assignment_delay_minutes=30)
        waiting = lead_create(tenant=tenant, actor=None, data={"last_name": "Dubois"})
        fresh = lead_create(tenant=tenant, actor=None, data={"last_name": "Martin"})
        Lead.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    with django_capture_on_commit_callbacks(execute=True):
        first = unassigned_sweep.apply(kwargs={"tenant_id": tenant.pk}).get()
        second = unassigned_sweep.apply(kwargs={"tenant_id": tenant.pk}).get()
    assert (first, second) == ([waiting.pk], [])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [director.user.email]
    with tenant_scope(tenant):
        fresh.refresh_from_db()
    assert fresh.unassigned_alerted_at is None


def test_the_beat_entry_queues_both_sweeps_per_tenant(tenant, other_tenant, monkeypatch) -> None:
    queued: list[tuple[str, int]] = []
    monkeypatch.setattr(sla_sweep, "delay", lambda **kwargs: queued.append(("sla", kwargs["tenant_id"])))
    monkeypatch.setattr(
        unassigned_sweep, "delay", lambda **kwargs: queued.append(("queue", kwargs["tenant_id"]))
    )
    assert sweep_all() == 2
    assert sorted(queued) == sorted(
        [("sla", tenant.pk), ("queue", tenant.pk), ("sla", other_tenant.pk), ("queue", other_tenant.pk)]
    )
