"""Invitations: a planned future meeting with contacts sends each one a METHOD:REQUEST (an alternative
part and an .ics attachment); a schedule change sends it again with a higher SEQUENCE; cancelling or
deleting sends METHOD:CANCEL; nothing for done or past meetings, calls, or invitations imported from
another organiser. Sent on commit (captured here), read back with icalendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from activities.models import Activity, EmailSettings
from activities.services.records import activity_delete, activity_update
from crm.models import Membership, Tenant
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.activities.factories_agenda import meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(tenant: Tenant, member: Callable[..., Membership]) -> Membership:
    return member(tenant, user__full_name="Claire Dupont")


@pytest.fixture
def contacts(tenant: Tenant, me: Membership) -> list[Any]:
    with tenant_scope(tenant):
        account = AccountFactory(owner=me.user)
        return [
            ContactFactory(
                account=account, first_name="Anne", last_name="Martin", email="anne@client.example"
            ),
            ContactFactory(
                account=account, first_name="Bruno", last_name="Petit", email="bruno@client.example"
            ),
            ContactFactory(account=account, first_name="Sans", last_name="Mail", email=""),
        ]


def invitation(message: Any) -> tuple[Calendar, str]:
    """The calendar of the text/calendar alternative (checked equal to the .ics attachment), and
    the alternative's content type."""
    ((content, mimetype),) = message.alternatives
    ((name, attached, attached_type),) = message.attachments
    assert name == "invite.ics"
    assert attached_type == "application/ics"
    assert attached.decode() == content
    return Calendar.from_ical(content), mimetype


def plan(tenant: Tenant, me: Membership, contacts: list[Any], captured: Any, **extra: Any) -> Activity:
    with captured(execute=True):
        return meeting(
            tenant,
            me,
            starts_at=timezone.now().replace(microsecond=0) + timedelta(days=2),
            subject="Démonstration",
            location="Salle 3",
            contacts=contacts,
            **extra,
        )


def test_a_planned_meeting_invites_each_contact_with_an_email(
    tenant: Tenant, me: Membership, contacts: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    activity = plan(tenant, me, contacts, django_capture_on_commit_callbacks)

    assert sorted(message.to[0] for message in mail.outbox) == ["anne@client.example", "bruno@client.example"]
    message = mail.outbox[0]
    assert message.subject.startswith("Invitation : Démonstration")
    assert message.from_email == "Claire Dupont <no-reply@localhost>"
    calendar, mimetype = invitation(message)
    assert mimetype == "text/calendar; method=REQUEST; charset=utf-8"
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == activity.uid
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == activity.starts_at
    assert str(event["LOCATION"]) == "Salle 3"
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:no-reply@localhost"
    assert organizer.params["CN"] == "Claire Dupont"
    attendees = {str(attendee): attendee.params for attendee in event["ATTENDEE"]}
    assert set(attendees) == {"mailto:anne@client.example", "mailto:bruno@client.example"}
    for params in attendees.values():
        assert params["PARTSTAT"] == "NEEDS-ACTION"
        assert params["RSVP"] == "TRUE"


def test_the_organizer_is_the_tenants_sender_address_when_set(
    tenant: Tenant, me: Membership, contacts: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_scope(tenant):
        EmailSettings.objects.create(sender_address="ventes@durand.example")

    plan(tenant, me, contacts[:1], django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    calendar, _type = invitation(message)
    assert str(calendar.walk("VEVENT")[0]["ORGANIZER"]) == "mailto:ventes@durand.example"
    assert message.from_email == "Claire Dupont <ventes@durand.example>"


def test_a_schedule_change_sends_the_invitation_again_with_a_higher_sequence(
    tenant: Tenant, me: Membership, contacts: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    activity = plan(tenant, me, contacts, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
        activity_update(activity=activity, actor=me.user, starts_at=activity.starts_at + timedelta(hours=2))

    assert len(mail.outbox) == 2
    calendar, mimetype = invitation(mail.outbox[0])
    assert "method=REQUEST" in mimetype
    event = calendar.walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == activity.starts_at + timedelta(hours=2)

    # A change attendees need not see (the description) sends nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
        activity_update(activity=activity, actor=me.user, description="Notes internes")
    assert mail.outbox == []


def test_removing_an_attendee_cancels_for_them_only(
    tenant: Tenant, me: Membership, contacts: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    activity = plan(tenant, me, contacts, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
        activity_update(activity=activity, actor=me.user, contacts=[contacts[0]], description="")

    (message,) = mail.outbox
    assert message.to == ["bruno@client.example"]
    calendar, mimetype = invitation(message)
    assert "method=CANCEL" in mimetype
    assert str(calendar["METHOD"]) == "CANCEL"


@pytest.mark.parametrize("how", ["cancelled", "deleted"])
def test_cancelling_or_deleting_sends_a_cancellation(
    tenant: Tenant, me: Membership, contacts: list[Any], django_capture_on_commit_callbacks: Any, how: str
) -> None:
    activity = plan(tenant, me, contacts, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
        if how == "cancelled":
            activity_update(activity=activity, actor=me.user, status=Activity.Status.CANCELLED)
        else:
            activity_delete(activity=activity, actor=me.user)

    assert sorted(message.to[0] for message in mail.outbox) == ["anne@client.example", "bruno@client.example"]
    calendar, mimetype = invitation(mail.outbox[0])
    assert mimetype == "text/calendar; method=CANCEL; charset=utf-8"
    assert str(calendar["METHOD"]) == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == activity.uid
    assert str(event["STATUS"]) == "CANCELLED"
    assert mail.outbox[0].subject.startswith("Annulé : Démonstration")

    # Said once: a second change of the cancelled meeting sends nothing more.
    mail.outbox.clear()
    if how == "cancelled":
        with django_capture_on_commit_callbacks(execute=True), tenant_scope(tenant):
            activity_update(activity=activity, actor=me.user, subject="Démonstration (annulée)")
        assert mail.outbox == []


@pytest.mark.parametrize(
    "extra",
    [
        {"status": Activity.Status.DONE},
        {"starts_at_shift": -3},
        {"code": "outbound_call"},
        {"uid": "external-123@calendar.example"},
    ],
    ids=["done", "past", "call", "imported"],
)
def test_nothing_is_sent_for_done_past_calls_or_imported_meetings(
    tenant: Tenant,
    me: Membership,
    contacts: list[Any],
    django_capture_on_commit_callbacks: Any,
    extra: dict[str, Any],
) -> None:
    shift = extra.pop("starts_at_shift", 2)
    with django_capture_on_commit_callbacks(execute=True):
        meeting(
            tenant,
            me,
            starts_at=timezone.now() + timedelta(days=shift),
            contacts=contacts,
            **extra,
        )
    assert mail.outbox == []


def test_nothing_is_sent_when_the_write_is_rolled_back(
    tenant: Tenant, me: Membership, contacts: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with tenant_scope(tenant):
                meeting(tenant, me, starts_at=timezone.now() + timedelta(days=2), contacts=contacts)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
