"""activity_create / update / delete and their effects: a done call, e-mail or meeting stops the lead's
first-contact clock and moves the contacts', account's and opportunity's last contact forward (never
back); a note or a planned future meeting stamps nothing; the types are created lazily."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activities.models import Activity, ActivityType
from activities.services import ActivityInput, activity_create, activity_delete, activity_update
from activities.services.records import activity_type_default, activity_types_ensure
from crm.roles import Role
from crm.tenancy import tenant_scope
from leads.models import Lead
from opportunities.models import Opportunity
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.activities.factories import ActivityTypeFactory
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def type_of(code: str) -> ActivityType:
    return ActivityTypeFactory(code=code)


def log(owner: Any, code: str = "outbound_call", **extra: Any) -> Activity:
    data = ActivityInput(type=type_of(code), subject=extra.pop("subject", "Appel"), owner=owner, **extra)
    return activity_create(data=data, actor=owner)


def test_a_done_call_stops_the_lead_sla_and_moves_it_to_qualification(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        lead = LeadFactory(owner=rep.user, status=Lead.Status.NEW)
        at = timezone.now() - HOUR
        log(rep.user, lead=lead, starts_at=at)
        lead.refresh_from_db()
    assert lead.first_contacted_at == at
    assert lead.status == Lead.Status.QUALIFYING


def test_a_note_or_a_planned_future_meeting_stamps_nothing(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        lead = LeadFactory(owner=rep.user)
        contact = ContactFactory(owner=rep.user, account__owner=rep.user)
        opportunity = OpportunityFactory(account=contact.account, owner=rep.user)
        log(rep.user, "note", lead=lead, contacts=[contact], opportunity=opportunity)
        log(
            rep.user, "meeting", lead=lead, contacts=[contact], opportunity=opportunity,
            status=Activity.Status.PLANNED, starts_at=timezone.now() + datetime.timedelta(days=2),
        )  # fmt: skip
        log(rep.user, "meeting", lead=lead, contacts=[contact], status=Activity.Status.CANCELLED)
        lead.refresh_from_db()
        contact.refresh_from_db()
        contact.account.refresh_from_db()
        opportunity = Opportunity.objects.get(pk=opportunity.pk)
    assert lead.first_contacted_at is None
    assert lead.status == Lead.Status.NEW
    assert contact.last_contacted_at is None
    assert contact.account.last_contacted_at is None
    assert opportunity.last_activity_at is None


def test_last_contact_moves_forward_only_and_the_account_is_filled(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    recent, older = timezone.now() - HOUR, timezone.now() - 10 * HOUR
    with tenant_scope(tenant):
        contact = ContactFactory(owner=rep.user, account__owner=rep.user)
        opportunity = OpportunityFactory(account=contact.account, owner=rep.user)
        first = log(rep.user, "meeting", contacts=[contact], opportunity=opportunity, starts_at=recent)
        log(rep.user, "email", contacts=[contact], opportunity=opportunity, starts_at=older)
        contact.refresh_from_db()
        contact.account.refresh_from_db()
        opportunity = Opportunity.objects.get(pk=opportunity.pk)
        by_contact = log(rep.user, contacts=[contact], starts_at=older)
    assert first.account_id == contact.account_id
    assert by_contact.account_id == contact.account_id
    assert contact.last_contacted_at == recent
    assert contact.account.last_contacted_at == recent
    assert opportunity.last_activity_at == recent


def test_updating_a_planned_meeting_to_done_stamps_and_bumps_the_sequence(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        planned = log(
            rep.user, "meeting", account=account, status=Activity.Status.PLANNED,
            starts_at=timezone.now() + HOUR,
        )  # fmt: skip
        account.refresh_from_db()
        assert account.last_contacted_at is None
        done_at = timezone.now() - HOUR
        updated = activity_update(
            activity=planned, actor=rep.user, status=Activity.Status.DONE, starts_at=done_at
        )
        account.refresh_from_db()
    assert updated.sequence == planned.sequence + 1
    assert updated.version == 2
    assert account.last_contacted_at == done_at


def test_a_call_on_a_disqualified_or_converted_lead_is_logged_without_stamping(
    tenant: Any, member: Any
) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        lost = LeadFactory(
            owner=rep.user,
            status=Lead.Status.UNQUALIFIED,
            unqualified_reason=Lead.UnqualifiedReason.NO_BUDGET,
        )
        converted = LeadFactory(owner=rep.user, status=Lead.Status.CONVERTED, converted_at=timezone.now())
        log(rep.user, lead=lost)
        log(rep.user, lead=converted)
        lost.refresh_from_db()
        converted.refresh_from_db()
    assert lost.first_contacted_at is None
    assert converted.first_contacted_at is None
    with tenant_scope(tenant):
        assert Activity.objects.count() == 2


def test_bad_input_writes_nothing(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        with pytest.raises(ValidationError) as error:
            log(rep.user, subject="   ")
        assert "subject" in error.value.message_dict
        with pytest.raises(ValidationError):
            log(rep.user, duration_minutes=60 * 24 * 40)
        assert not Activity.objects.exists()


def test_delete_removes_the_activity_and_its_contact_links(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        contact = ContactFactory(owner=rep.user, account__owner=rep.user)
        activity = log(rep.user, contacts=[contact])
        activity_delete(activity=activity, actor=rep.user)
        assert not Activity.objects.exists()
        assert not contact.activity_links.exists()


def test_types_are_created_lazily_once_per_tenant(tenant: Any, other_tenant: Any, member: Any) -> None:
    member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        assert not ActivityType.objects.exists()
        default = activity_type_default()
        assert default.code == "outbound_call"
        assert len(activity_types_ensure()) == len(ActivityType.DEFAULTS)
        assert ActivityType.objects.count() == len(ActivityType.DEFAULTS)
    with tenant_scope(other_tenant):
        assert not ActivityType.objects.exists()
