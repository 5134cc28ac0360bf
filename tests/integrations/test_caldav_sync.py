"""Two-way CalDAV sync against a real Radicale server started by the test (no mock of the server nor
of the database). The sync function runs directly; the server is read and changed with the `caldav`
client, as another calendar application would."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import icalendar
import pytest
from caldav.collection import Calendar
from caldav.davclient import DAVClient
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from activities.models import Activity, ActivityType
from activities.services.records import (
    ActivityInput,
    activity_create,
    activity_delete,
    activity_update,
)
from crm import secretbox
from crm.models import Membership, Tenant, User
from crm.tenancy import tenant_scope
from integrations.caldav import sync
from integrations.caldav.client import href_key
from integrations.caldav.ical import EventRejected, parse_event
from integrations.caldav.services import (
    caldav_account_connect,
    caldav_calendar_choose,
    caldav_due_claim,
)
from integrations.models import CalDAVAccount, CalendarLink, SyncLogEntry
from tests.integrations.radicale_server import USERS, RadicaleServer, radicale_running

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(tmp_path: Path, settings: Any) -> Iterator[RadicaleServer]:
    # The test server listens on 127.0.0.1, which production refuses (a user must not make the CRM
    # call inside its own network): allowed here only.
    settings.CALDAV_ALLOW_PRIVATE_ADDRESSES = True
    yield from radicale_running(tmp_path)


@dataclass
class Setup:
    tenant: Tenant
    user: User
    account: CalDAVAccount
    server: RadicaleServer

    def calendar(self) -> Calendar:
        client = DAVClient(url=self.server.url, username="alice", password=USERS["alice"])
        return client.calendar(url=self.account.calendar_url)

    def remote_event(self, uid: str) -> icalendar.Event:
        data = self.calendar().event_by_uid(uid).data
        return icalendar.Calendar.from_ical(data).walk("VEVENT")[0]

    def run(self) -> sync.SyncReport:
        with tenant_scope(self.tenant):
            report = sync.account_sync(account_id=self.account.pk)
            self.account.refresh_from_db()
        return report

    def log(self, action: str) -> list[SyncLogEntry]:
        with tenant_scope(self.tenant):
            return list(
                SyncLogEntry.objects.filter(kind="caldav", object_id=self.account.pk, action=action).order_by(
                    "id"
                )
            )


def _types() -> None:
    # (activity_types_ensure's bulk_create leaves the tenant out: created one by one here)
    for position, (code, _label, kind, icon) in enumerate(ActivityType.DEFAULTS):
        ActivityType.objects.get_or_create(
            code=code, defaults={"kind": kind, "icon": icon, "position": position}
        )


@pytest.fixture
def setup(tenant: Tenant, member: Callable[..., Membership], server: RadicaleServer) -> Setup:
    membership = member(tenant)
    with tenant_scope(tenant):
        _types()
        connection = caldav_account_connect(
            user=membership.user,
            url=server.url,
            username="alice",
            password=USERS["alice"],
            is_active=True,
        )
        account = caldav_calendar_choose(account=connection.account, calendar_url="", actor=membership.user)
    return Setup(tenant=tenant, user=membership.user, account=account, server=server)


def _meeting(setup: Setup, *, subject: str = "Rendez-vous Durand", **kwargs: object) -> Activity:
    with tenant_scope(setup.tenant):
        values: dict[str, object] = {
            "type": ActivityType.objects.get(code="meeting"),
            "subject": subject,
            "owner": setup.user,
            "starts_at": timezone.now().replace(microsecond=0) + timedelta(days=2),
            "duration_minutes": 60,
            "status": Activity.Status.PLANNED,
            "location": "Lyon",
        }
        values.update(kwargs)
        return activity_create(data=ActivityInput(**values), actor=setup.user)  # type: ignore[arg-type]


def _remote_ics(uid: str, start: datetime, *, summary: str = "Déjeuner client", **extra: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Autre agenda//FR",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTEND:{(start + timedelta(minutes=90)).astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"SUMMARY:{summary}",
        *(f"{name}:{value}" for name, value in extra.items()),
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


def _move_on_server(setup: Setup, uid: str, *, delta: timedelta, modified: datetime) -> None:
    resource = setup.calendar().event_by_uid(uid)
    calendar = icalendar.Calendar.from_ical(resource.data)
    event = calendar.walk("VEVENT")[0]
    start: datetime = event["DTSTART"].dt
    end: datetime = event["DTEND"].dt
    for name, value in (("DTSTART", start + delta), ("DTEND", end + delta)):
        del event[name]
        event.add(name, value)
    del event["LAST-MODIFIED"]
    event.add("LAST-MODIFIED", modified.astimezone(UTC))
    resource.data = calendar.to_ical().decode()
    resource.save()


def test_connect_discovers_and_creates_the_crm_calendar(setup: Setup) -> None:
    # given the account connected and the "CRM" calendar chosen (fixture)
    # then the calendar exists on the server, under the user's principal, and the password is encrypted
    client = DAVClient(url=setup.server.url, username="alice", password=USERS["alice"])
    names = {str(calendar.url): calendar.get_display_name() for calendar in client.principal().calendars()}
    assert names == {setup.account.calendar_url: "CRM"}
    assert setup.account.calendar_url.startswith(setup.server.user_url("alice"))
    assert USERS["alice"] not in setup.account.password_encrypted
    assert secretbox.decrypt(setup.account.password_encrypted) == USERS["alice"]


def test_wrong_password_is_a_readable_error_and_nothing_is_saved(
    tenant: Tenant, member: Callable[..., Membership], server: RadicaleServer
) -> None:
    membership = member(tenant)
    with tenant_scope(tenant), pytest.raises(ValidationError) as raised:
        caldav_account_connect(
            user=membership.user, url=server.url, username="alice", password="faux", is_active=True
        )
    assert raised.value.messages == ["Le serveur d'agenda a refusé le nom d'utilisateur ou le mot de passe."]
    with tenant_scope(tenant):
        assert not CalDAVAccount.objects.exists()


def test_an_address_inside_the_network_is_refused(
    tenant: Tenant, member: Callable[..., Membership], server: RadicaleServer, settings: Any
) -> None:
    settings.CALDAV_ALLOW_PRIVATE_ADDRESSES = False
    membership = member(tenant)
    for url in (server.url, "http://10.0.0.5/dav/", "http://[::1]:8080/"):
        with tenant_scope(tenant), pytest.raises(ValidationError) as raised:
            caldav_account_connect(
                user=membership.user, url=url, username="alice", password=USERS["alice"], is_active=True
            )
        assert raised.value.message_dict == {
            "url": [
                "Cette adresse est sur un réseau privé ou sur cette machine : elle ne peut pas être utilisée."
            ]
        }
    with tenant_scope(tenant):
        assert not CalDAVAccount.objects.exists()


def test_wrong_password_at_sync_time_is_kept_as_last_error(setup: Setup) -> None:
    with tenant_scope(setup.tenant):
        CalDAVAccount.objects.filter(pk=setup.account.pk).update(password_encrypted=secretbox.encrypt("faux"))
    before = timezone.now()
    report = setup.run()
    assert report.error == "Le serveur d'agenda a refusé le nom d'utilisateur ou le mot de passe."
    assert setup.account.last_error == report.error
    assert setup.account.consecutive_failures == 1
    assert setup.account.next_attempt_at is not None
    assert (
        before + timedelta(minutes=1)
        <= setup.account.next_attempt_at
        <= timezone.now() + timedelta(minutes=1)
    )


def test_a_crm_meeting_appears_on_the_server(setup: Setup) -> None:
    # given a planned meeting, a done call and a note of the user
    meeting = _meeting(setup)
    with tenant_scope(setup.tenant):
        call_type = ActivityType.objects.get(code="outbound_call")
    call = _meeting(setup, subject="Appel Durand", type=call_type, status=Activity.Status.DONE, location="")
    with tenant_scope(setup.tenant):
        note = activity_create(
            data=ActivityInput(
                type=ActivityType.objects.get(code="note"),
                subject="Note interne",
                owner=setup.user,
                starts_at=timezone.now(),
                status=Activity.Status.DONE,
            ),
            actor=setup.user,
        )
    # when the account syncs
    report = setup.run()
    # then the meeting and the call are on the server (UID, SEQUENCE, LAST-MODIFIED); the note is not
    assert (report.pushed, report.pulled, report.error) == (2, 0, "")
    event = setup.remote_event(meeting.uid)
    assert str(event["SUMMARY"]) == "Rendez-vous Durand"
    assert str(event["LOCATION"]) == "Lyon"
    assert event["DTSTART"].dt == meeting.starts_at
    assert event["DTEND"].dt == meeting.starts_at + timedelta(minutes=60)
    assert event["LAST-MODIFIED"].dt == meeting.updated_at.replace(microsecond=0)
    assert int(event["SEQUENCE"]) == meeting.sequence
    assert {str(e.icalendar_component["UID"]) for e in setup.calendar().events()} == {meeting.uid, call.uid}
    with tenant_scope(setup.tenant):
        link = CalendarLink.objects.get(account=setup.account, activity=meeting)
        assert link.synced_version == meeting.version
        assert link.etag
        assert not CalendarLink.objects.filter(activity=note).exists()
    assert setup.account.events_pushed == 2
    assert setup.account.last_success_at is not None
    assert setup.account.consecutive_failures == 0
    # and a second run has nothing to do
    assert (setup.run().pushed, setup.run().pulled) == (0, 0)


def test_a_move_on_the_server_moves_the_crm_activity(setup: Setup) -> None:
    meeting = _meeting(setup)
    setup.run()
    # when the event moves one day later on the server
    _move_on_server(
        setup, meeting.uid, delta=timedelta(days=1), modified=timezone.now() + timedelta(seconds=5)
    )
    report = setup.run()
    # then the activity moved too (through activity_update: version and sequence grew)
    assert (report.pulled, report.conflicts, report.error) == (1, 0, "")
    with tenant_scope(setup.tenant):
        moved = Activity.objects.get(pk=meeting.pk)
        link = CalendarLink.objects.get(account=setup.account, activity=meeting)
        assert moved.history.first().history_user_id == setup.user.pk
    assert moved.starts_at == meeting.starts_at + timedelta(days=1)
    assert moved.duration_minutes == 60
    assert moved.version == meeting.version + 1
    assert moved.sequence == meeting.sequence + 1
    assert link.synced_version == moved.version
    assert [
        entry.detail for entry in setup.log(SyncLogEntry.Action.UPDATED) if entry.direction == "pull"
    ] == ["« Rendez-vous Durand » mis à jour depuis le serveur (début)."]
    # and the next run sends nothing back
    assert setup.run().pushed == 0


def test_a_crm_change_is_pushed_and_a_cancellation_deletes_the_event(setup: Setup) -> None:
    meeting = _meeting(setup)
    setup.run()
    with tenant_scope(setup.tenant):
        meeting = activity_update(activity=meeting, actor=setup.user, location="Paris")
    assert setup.run().pushed == 1
    assert str(setup.remote_event(meeting.uid)["LOCATION"]) == "Paris"
    with tenant_scope(setup.tenant):
        activity_update(activity=meeting, actor=setup.user, status=Activity.Status.CANCELLED)
    assert setup.run().pushed == 1
    assert setup.calendar().events() == []
    with tenant_scope(setup.tenant):
        assert CalendarLink.objects.get(activity=meeting).deleted_at is not None


def test_a_crm_deletion_deletes_the_event(setup: Setup) -> None:
    meeting = _meeting(setup)
    setup.run()
    with tenant_scope(setup.tenant):
        activity_delete(activity=meeting, actor=setup.user)
    assert setup.run().pushed == 1
    assert setup.calendar().events() == []
    assert [entry.detail for entry in setup.log(SyncLogEntry.Action.DELETED)] == [
        "Un événement retiré de l'agenda (activité supprimée dans le CRM)."
    ]


def test_a_deletion_on_the_server_cancels_the_crm_activity(setup: Setup) -> None:
    meeting = _meeting(setup)
    setup.run()
    setup.calendar().event_by_uid(meeting.uid).delete()
    report = setup.run()
    assert (report.pulled, report.error) == (1, "")
    with tenant_scope(setup.tenant):
        kept = Activity.objects.get(pk=meeting.pk)
        assert CalendarLink.objects.get(activity=meeting).deleted_at is not None
    assert kept.status == Activity.Status.CANCELLED
    assert [entry.activity_id for entry in setup.log(SyncLogEntry.Action.DELETED)] == [meeting.pk]
    # and nothing is pushed back
    assert setup.run().pushed == 0
    assert setup.calendar().events() == []


def test_a_new_server_event_becomes_a_planned_meeting(setup: Setup) -> None:
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    setup.calendar().save_event(_remote_ics("externe-1@agenda.example", start, LOCATION="Bordeaux"))
    report = setup.run()
    assert (report.pulled, report.pushed) == (1, 0)
    with tenant_scope(setup.tenant):
        created = Activity.objects.select_related("type").get(uid="externe-1@agenda.example")
    assert created.subject == "Déjeuner client"
    assert created.type.code == "meeting"
    assert created.status == Activity.Status.PLANNED
    assert created.owner_id == setup.user.pk
    assert created.starts_at == start
    assert created.duration_minutes == 90
    assert created.location == "Bordeaux"
    assert setup.run().pushed == 0


def test_a_bad_event_is_rejected_and_the_rest_continues(setup: Setup) -> None:
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    bad = _remote_ics("mauvais@agenda.example", start).replace(
        f"DTEND:{(start + timedelta(minutes=90)).astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTEND:{(start - timedelta(days=1)).astimezone(UTC):%Y%m%dT%H%M%SZ}",
    )
    setup.calendar().save_event(bad)
    setup.calendar().save_event(_remote_ics("bon@agenda.example", start, summary="Bon"))
    report = setup.run()
    assert (report.pulled, report.rejected, report.error) == (1, 1, "")
    rejected = setup.log(SyncLogEntry.Action.REJECTED)
    assert len(rejected) == 1
    assert rejected[0].detail.endswith("non repris : L'événement se termine avant de commencer.")
    with tenant_scope(setup.tenant):
        assert list(Activity.objects.values_list("subject", flat=True)) == ["Bon"]
    # not reported again while it does not change
    assert setup.run().rejected == 0


def test_conflict_the_server_is_newer(setup: Setup) -> None:
    meeting = _meeting(setup)
    setup.run()
    with tenant_scope(setup.tenant):
        meeting = activity_update(activity=meeting, actor=setup.user, location="Paris")
    _move_on_server(
        setup, meeting.uid, delta=timedelta(hours=2), modified=meeting.updated_at + timedelta(minutes=1)
    )
    report = setup.run()
    assert report.conflicts == 1
    with tenant_scope(setup.tenant):
        after = Activity.objects.get(pk=meeting.pk)
    assert after.starts_at == meeting.starts_at + timedelta(hours=2)
    assert after.location == "Lyon"  # the server's version won entirely
    (conflict,) = setup.log(SyncLogEntry.Action.CONFLICT)
    assert conflict.activity_id == meeting.pk
    assert conflict.detail.endswith("Le plus récent l'emporte : le serveur.")
    assert timezone.localtime(meeting.updated_at).strftime("%d/%m/%Y %H:%M:%S") in conflict.detail
    assert str(setup.remote_event(meeting.uid)["LOCATION"]) == "Lyon"


def test_conflict_the_crm_is_newer(setup: Setup) -> None:
    meeting = _meeting(setup)
    setup.run()
    with tenant_scope(setup.tenant):
        meeting = activity_update(activity=meeting, actor=setup.user, location="Paris")
    _move_on_server(
        setup, meeting.uid, delta=timedelta(hours=2), modified=meeting.updated_at - timedelta(hours=1)
    )
    report = setup.run()
    assert (report.conflicts, report.pushed) == (1, 1)
    with tenant_scope(setup.tenant):
        after = Activity.objects.get(pk=meeting.pk)
    assert (after.starts_at, after.location, after.version) == (meeting.starts_at, "Paris", meeting.version)
    event = setup.remote_event(meeting.uid)
    assert event["DTSTART"].dt == meeting.starts_at
    assert str(event["LOCATION"]) == "Paris"
    (conflict,) = setup.log(SyncLogEntry.Action.CONFLICT)
    assert conflict.detail.endswith("Le plus récent l'emporte : le CRM.")


def test_server_down_backs_off_and_the_pending_push_goes_through_after(setup: Setup) -> None:
    setup.server.stop()
    meeting = _meeting(setup)
    first = setup.run()
    assert first.error == "Le serveur d'agenda est injoignable (adresse erronée ou serveur arrêté)."
    assert setup.account.last_error == first.error
    assert setup.account.consecutive_failures == 1
    first_delay = setup.account.next_attempt_at - setup.account.last_error_at  # type: ignore[operator]
    assert first_delay == timedelta(minutes=1)
    setup.run()
    assert setup.account.consecutive_failures == 2
    assert setup.account.next_attempt_at - setup.account.last_error_at == timedelta(minutes=2)  # type: ignore[operator]
    with tenant_scope(setup.tenant):
        assert not CalendarLink.objects.filter(activity=meeting).exists()
    # when the server is back
    setup.server.start()
    report = setup.run()
    assert (report.pushed, report.error) == (1, "")
    assert setup.account.last_error == ""
    assert setup.account.consecutive_failures == 0
    assert str(setup.remote_event(meeting.uid)["SUMMARY"]) == "Rendez-vous Durand"


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [sync.backoff(n).total_seconds() // 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]


def test_a_sync_already_running_is_not_started_twice(setup: Setup) -> None:
    _meeting(setup)
    with tenant_scope(setup.tenant):
        cache.add(sync.lock_key(setup.account.pk), "1", timeout=60)
    report = setup.run()
    assert report.skipped is True
    with tenant_scope(setup.tenant):
        assert not CalendarLink.objects.exists()
        cache.delete(sync.lock_key(setup.account.pk))
    assert setup.run().pushed == 1


def test_the_sweep_claims_due_accounts_once(setup: Setup) -> None:
    with tenant_scope(setup.tenant):
        assert caldav_due_claim() == [setup.account.pk]
        assert caldav_due_claim() == []
        CalDAVAccount.objects.filter(pk=setup.account.pk).update(is_active=False, next_attempt_at=None)
        assert caldav_due_claim() == []


def test_private_activities_are_pushed_as_private(setup: Setup) -> None:
    meeting = _meeting(setup, is_private=True)
    setup.run()
    assert str(setup.remote_event(meeting.uid)["CLASS"]) == "PRIVATE"


def test_the_listener_queues_only_what_has_to_be_sent(
    setup: Setup, django_capture_on_commit_callbacks: Any
) -> None:
    queued_key = f"caldav:queued:{setup.tenant.pk}:{setup.account.pk}"
    # a new meeting, once committed: a sync is queued
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _meeting(setup)
    assert cache.get(queued_key) == "1"
    cache.delete(queued_key)
    setup.run()
    # a change made on the server and applied by the sync: nothing to send back, nothing queued
    _move_on_server(
        setup, meeting.uid, delta=timedelta(hours=1), modified=timezone.now() + timedelta(seconds=5)
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert setup.run().pulled == 1
    assert len(callbacks) == 1
    assert cache.get(queued_key) is None
    # a change made in the CRM: queued
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(setup.tenant):
        activity_update(activity=meeting, actor=setup.user, location="Nantes")
    assert cache.get(queued_key) == "1"


def test_href_spelling_is_normalised() -> None:
    assert href_key("http://h/alice/a%40b.ics") == "/alice/a@b.ics"
    assert href_key("/alice/a@b.ics") == "/alice/a@b.ics"


def test_an_activity_given_to_a_colleague_leaves_the_calendar(
    setup: Setup, member: Callable[..., Membership]
) -> None:
    meeting = _meeting(setup)
    setup.run()
    colleague = member(setup.tenant)
    with tenant_scope(setup.tenant):
        activity_update(activity=meeting, actor=setup.user, owner=colleague.user)
    report = setup.run()
    assert (report.pushed, report.pulled, report.error) == (1, 0, "")
    assert setup.calendar().events() == []
    with tenant_scope(setup.tenant):
        kept = Activity.objects.get(pk=meeting.pk)
    assert (kept.owner_id, kept.status) == (colleague.user_id, Activity.Status.PLANNED)
    assert [entry.detail for entry in setup.log(SyncLogEntry.Action.DELETED)] == [
        "« Rendez-vous Durand » retiré de l'agenda (confié à un collègue)."
    ]


def test_all_day_events_both_ways(setup: Setup) -> None:
    # a whole-day activity of the CRM is a DATE event on the server
    day = timezone.localtime(timezone.now() + timedelta(days=5)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    meeting = _meeting(setup, subject="Salon", starts_at=day, duration_minutes=2 * 24 * 60, all_day=True)
    setup.run()
    event = setup.remote_event(meeting.uid)
    assert event["DTSTART"].dt == day.date()
    assert event["DTEND"].dt == day.date() + timedelta(days=2)
    # a whole-day event of the server is a whole-day activity
    other = day.date() + timedelta(days=7)
    setup.calendar().save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Autre//FR\r\nBEGIN:VEVENT\r\nUID:jour@agenda.example\r\n"
        f"DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:{other:%Y%m%d}\r\nSUMMARY:Congés\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert setup.run().pulled == 1
    with tenant_scope(setup.tenant):
        created = Activity.objects.get(uid="jour@agenda.example")
    assert (created.all_day, created.duration_minutes, timezone.localtime(created.starts_at).date()) == (
        True,
        24 * 60,
        other,
    )


def test_events_without_a_start_or_with_unreadable_dates_are_rejected() -> None:
    without_start = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:x\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    cases = {
        without_start: "L'événement n'a pas de date de début.",
        without_start.replace("SUMMARY:x", "DTSTART:2026-13-45T99:00\r\nSUMMARY:x"): (
            "Les dates de l'événement sont illisibles."
        ),
        without_start.replace("SUMMARY:x", "DTSTART:20261201T100000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:x"): (
            "Les événements récurrents ne sont pas synchronisés avec le CRM."
        ),
        "pas du tout de l'iCalendar": "L'événement est illisible (données iCalendar invalides).",
    }
    for data, reason in cases.items():
        with pytest.raises(EventRejected) as raised:
            parse_event(data)
        assert str(raised.value) == reason


def test_saving_again_without_a_password_keeps_the_stored_one(setup: Setup) -> None:
    with tenant_scope(setup.tenant):
        connection = caldav_account_connect(
            user=setup.user, url=setup.server.url, username="alice", password="", is_active=False
        )
    assert connection.account.pk == setup.account.pk
    assert secretbox.decrypt(connection.account.password_encrypted) == USERS["alice"]
    assert connection.account.calendar_url == setup.account.calendar_url
    assert connection.account.is_active is False


class _FailingHandler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PROPFIND = do_REPORT = do_PUT = do_DELETE = do_GET = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("failure", ["5xx", "timeout"])
def test_a_failing_server_is_a_readable_error_with_backoff(setup: Setup, settings: Any, failure: str) -> None:
    settings.CALDAV_TIMEOUT_SECONDS = 1
    meeting = _meeting(setup)
    if failure == "5xx":
        http = ThreadingHTTPServer(("127.0.0.1", 0), _FailingHandler)
        threading.Thread(target=http.serve_forever, daemon=True).start()
        port, expected = http.server_address[1], "Le serveur d'agenda a signalé une erreur (HTTP 503)."
    else:
        silent = socket.socket()  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port, expected = silent.getsockname()[1], "Le serveur d'agenda n'a pas répondu à temps."
    try:
        with tenant_scope(setup.tenant):
            CalDAVAccount.objects.filter(pk=setup.account.pk).update(
                url=f"http://127.0.0.1:{port}/",
                calendar_url=f"http://127.0.0.1:{port}/alice/crm/",
                consecutive_failures=3,
            )
        report = setup.run()
    finally:
        if failure == "5xx":
            http.shutdown()
        else:
            silent.close()
    assert report.error == expected
    assert setup.account.last_error == expected
    assert setup.account.consecutive_failures == 4
    assert setup.account.next_attempt_at - setup.account.last_error_at == timedelta(minutes=8)  # type: ignore[operator]
    with tenant_scope(setup.tenant):
        assert not CalendarLink.objects.filter(activity=meeting).exists()


def test_a_sync_that_finds_the_account_busy_is_queued_again(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A meeting created while a run holds the account (the listener's sync then finds it busy) must not
    wait for the periodic sync: the busy run queues another one shortly."""
    from integrations import tasks_caldav

    queued: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks_caldav.caldav_sync, "apply_async", lambda **options: queued.append(options))
    with tenant_scope(setup.tenant):
        cache.add(sync.lock_key(setup.account.pk), "1", timeout=60)
        try:
            result = tasks_caldav.caldav_sync.run(tenant_id=setup.tenant.pk, account_id=setup.account.pk)
        finally:
            cache.delete(sync.lock_key(setup.account.pk))
    assert result["skipped"] is True
    assert queued == [
        {
            "kwargs": {"tenant_id": setup.tenant.pk, "account_id": setup.account.pk},
            "countdown": tasks_caldav.BUSY_RETRY_SECONDS,
        }
    ]
