"""Import of .ics files (uploaded, or received by e-mail through the text/calendar mail hook): each
event a planned meeting matched by UID, attendees matched to contacts; bad files refused with their
reason and nothing written."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from activities import mail_hooks
from activities.models import Activity
from crm.models import Membership, Tenant
from crm.tenancy import tenant_scope
from tests.accounts.factories import ContactFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def ics(*events: str, method: str = "REQUEST") -> bytes:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//FR"]
    if method:
        head.append(f"METHOD:{method}")
    return ("\r\n".join([*head, *events, "END:VCALENDAR"]) + "\r\n").encode()


def vevent(
    uid: str = "abc-1@partner.example",
    summary: str = "Comité de pilotage",
    start: str = "DTSTART:20261203T090000Z",
    end: str = "DTEND:20261203T103000Z",
    sequence: int = 0,
    extra: tuple[str, ...] = (),
) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261128T080000Z",
        f"SUMMARY:{summary}",
        f"SEQUENCE:{sequence}",
    ]
    lines += [line for line in (start, end) if line]
    lines += list(extra)
    lines.append("END:VEVENT")
    return "\r\n".join(lines)


@pytest.fixture
def rep(client_of: Callable[..., tuple[Client, Membership]], tenant: Tenant) -> tuple[Client, Membership]:
    return client_of(tenant)


def upload(client: Client, tenant: Tenant, data: bytes) -> Any:
    return client.post(
        f"/t/{tenant.slug}/agenda/import/",
        {"file": SimpleUploadedFile("invitation.ics", data, content_type="text/calendar")},
    )


def meetings(tenant: Tenant) -> list[Activity]:
    with tenant_scope(tenant):
        return list(Activity.objects.select_related("type").order_by("starts_at"))


def test_an_invitation_becomes_a_planned_meeting_with_its_contacts(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, me = rep
    with tenant_scope(tenant):
        anne = ContactFactory(account__owner=me.user, email="Anne.Martin@client.example")
    data = ics(
        vevent(
            extra=(
                "LOCATION:Paris",
                "ORGANIZER;CN=Partenaire:mailto:orga@partner.example",
                "ATTENDEE;CN=Anne:mailto:anne.martin@client.example",
                "ATTENDEE:mailto:inconnu@ailleurs.example",
            )
        )
    )

    response = upload(client, tenant, data)

    assert response.status_code == 302
    (activity,) = meetings(tenant)
    assert activity.subject == "Comité de pilotage"
    assert activity.type.code == "meeting"
    assert activity.status == Activity.Status.PLANNED
    assert activity.owner_id == me.user_id
    assert activity.uid == "abc-1@partner.example"
    assert activity.starts_at == datetime(2026, 12, 3, 10, 0, tzinfo=PARIS)
    assert activity.duration_minutes == 90
    assert activity.location == "Paris"
    with tenant_scope(tenant):
        assert list(activity.contacts.all()) == [anne]


def test_same_uid_updates_only_with_a_higher_sequence_and_cancel_cancels(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, _me = rep
    upload(client, tenant, ics(vevent(sequence=1)))

    upload(client, tenant, ics(vevent(sequence=1, summary="Ancienne version")))
    assert meetings(tenant)[0].subject == "Comité de pilotage"

    response = upload(
        client,
        tenant,
        ics(
            vevent(
                sequence=2,
                summary="Nouvelle heure",
                start="DTSTART:20261203T140000Z",
                end="DTEND:20261203T150000Z",
            )
        ),
    )
    assert response.status_code == 302, html.unescape(response.content.decode())
    (activity,) = meetings(tenant)
    assert activity.subject == "Nouvelle heure"
    assert activity.starts_at == datetime(2026, 12, 3, 15, 0, tzinfo=PARIS)
    assert activity.sequence == 2

    upload(client, tenant, ics(vevent(sequence=3), method="CANCEL"))
    (activity,) = meetings(tenant)
    assert activity.status == Activity.Status.CANCELLED


def test_a_floating_time_is_read_in_the_tenants_zone_and_a_date_is_all_day(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, _me = rep
    data = ics(
        vevent(uid="a", start="DTSTART:20261210T140000", end="DTEND:20261210T150000"),
        vevent(
            uid="b", summary="Salon", start="DTSTART;VALUE=DATE:20261211", end="DTEND;VALUE=DATE:20261213"
        ),
        method="PUBLISH",
    )

    assert upload(client, tenant, data).status_code == 302

    floating, salon = meetings(tenant)
    assert floating.starts_at == datetime(2026, 12, 10, 14, 0, tzinfo=PARIS)
    assert salon.all_day is True
    assert salon.starts_at == datetime(2026, 12, 11, 0, 0, tzinfo=PARIS)
    assert salon.duration_minutes == 2 * 24 * 60


def test_a_recurring_event_imports_its_first_occurrence_and_says_so(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, _me = rep
    response = upload(client, tenant, ics(vevent(extra=("RRULE:FREQ=WEEKLY;COUNT=10",))))

    assert response.status_code == 302
    (activity,) = meetings(tenant)
    assert "seule la première occurrence" in activity.description
    assert "RRULE:FREQ=WEEKLY;COUNT=10" in activity.description
    page = client.get(response["Location"])
    assert "seule la première occurrence" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"Bonjour, ceci n'est pas un calendrier", "pas un fichier iCalendar"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anne\r\nEND:VCARD\r\n", "pas un fichier iCalendar"),
        (ics(vevent(start="")), "n'a pas de début (DTSTART)"),
        (ics(vevent(end="DTEND:20261203T080000Z")), "se termine (DTEND) avant de commencer"),
        (ics(vevent(start="DTSTART:18501203T090000Z", end="")), "pas plausible (année 1850)"),
        (ics(vevent(start="DTSTART:23001203T090000Z", end="")), "pas plausible (année 2300)"),
        (ics(vevent(extra=("RRULE:FREQ=SOMETIMES;COUNT=x",))), "règle de répétition (RRULE)"),
        (ics(*[vevent(uid=f"e{n}") for n in range(501)]), "501 événements"),
        (ics(), "aucun événement"),
        (ics(vevent(), method="REPLY"), "« REPLY »"),
    ],
    ids=[
        "text",
        "vcard",
        "no-start",
        "end-before-start",
        "year-1850",
        "year-2300",
        "rrule",
        "too-many",
        "empty",
        "reply",
    ],
)
def test_bad_files_are_refused_with_their_reason_and_nothing_is_written(
    tenant: Tenant, rep: tuple[Client, Membership], data: bytes, reason: str
) -> None:
    client, _me = rep
    response = upload(client, tenant, data)

    assert response.status_code == 400
    assert reason in html.unescape(response.content.decode())
    assert meetings(tenant) == []


def test_one_bad_event_among_good_ones_writes_nothing(tenant: Tenant, rep: tuple[Client, Membership]) -> None:
    client, _me = rep
    data = ics(vevent(uid="ok-1"), vevent(uid="ok-2"), vevent(uid="bad", summary="Cassé", start=""))

    response = upload(client, tenant, data)

    body = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Événement 3 (« Cassé »)" in body
    assert meetings(tenant) == []


def test_english_reasons_for_an_english_reader(tenant: Tenant, rep: tuple[Client, Membership]) -> None:
    client, _me = rep
    response = client.post(
        f"/t/{tenant.slug}/agenda/import/",
        {"file": SimpleUploadedFile("x.ics", b"nope", content_type="text/calendar")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "This file is not an iCalendar (.ics) file." in response.content.decode()


def test_an_invitation_received_by_email_is_imported_for_its_member(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    me = member(tenant)
    handler = mail_hooks.handler_for("text/calendar; method=REQUEST; charset=utf-8")
    assert handler is not None

    with tenant_scope(tenant):
        note = handler(None, ics(vevent()), me.user)  # type: ignore[arg-type]
        refused = handler(None, b"garbage", me.user)  # type: ignore[arg-type]
        nobody = handler(None, ics(vevent(uid="z")), None)  # type: ignore[arg-type]

    assert note is not None
    assert "1 rendez-vous créé" in note
    assert refused is not None
    assert "pas un fichier iCalendar" in refused
    assert nobody is None
    (activity,) = meetings(tenant)
    assert activity.owner_id == me.user_id


def test_a_received_uid_shaped_like_ours_cannot_make_the_crm_send_invitations(
    tenant: Tenant, rep: tuple[Client, Membership], django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    client, me = rep
    with tenant_scope(tenant):
        ContactFactory(account__owner=me.user, email="anne@client.example")
    data = ics(
        vevent(
            uid="0f2a@crm",
            start="DTSTART:20991203T090000Z",
            end="DTEND:20991203T100000Z",
            extra=("ATTENDEE:mailto:anne@client.example",),
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tenant, data)

    assert response.status_code == 302
    (activity,) = meetings(tenant)
    assert activity.uid == "0f2a@crm.imported"
    assert mail.outbox == []


def test_a_cancelled_meeting_comes_back_with_a_newer_invitation(
    tenant: Tenant, rep: tuple[Client, Membership]
) -> None:
    client, _me = rep
    upload(client, tenant, ics(vevent(sequence=0)))
    upload(client, tenant, ics(vevent(sequence=1), method="CANCEL"))
    (cancelled,) = meetings(tenant)
    assert cancelled.status == Activity.Status.CANCELLED
    assert cancelled.sequence == 1

    upload(client, tenant, ics(vevent(sequence=1, summary="Rejoué")))  # stale: nothing changes
    assert meetings(tenant)[0].status == Activity.Status.CANCELLED

    upload(client, tenant, ics(vevent(sequence=2, summary="Reprogrammé")))
    (again,) = meetings(tenant)
    assert again.status == Activity.Status.PLANNED
    assert again.subject == "Reprogrammé"
    assert again.sequence == 2
