"""Two-way sync of one user's CalDAV calendar (docs/decisions/0011-calendar-sync.md).

One run, under a per-account Redis lock (two runs of the same account never overlap):

1. Pull. The etags of the server's events starting in [now - 30 days, now + 365 days] (REPORT
   calendar-query). Events whose etag differs from their link (or unknown) are fetched (multiget) with
   the linked events that left the listing (moved out of the range, or deleted: the multiget says 404).
   - a linked event: when the CRM changed the activity too since the last sync (version >
     synced_version), the newer of the server's LAST-MODIFIED and the activity's updated_at wins (the
     CRM on a tie or without LAST-MODIFIED), logged as a CONFLICT with both times; otherwise the
     server's fields are applied through activity_update;
   - an unknown event: an activity of the user with the same UID is linked (reconnection); an event
     the CRM wrote for an activity that is gone is ignored; any other event becomes a planned meeting of
     the user (activity_create);
   - a linked event gone from the server: the activity is cancelled (never deleted: nothing lost);
   - an unreadable event (no DTSTART, bad dates, recurring): a REJECTED line, the rest continues; the
     event is remembered at its etag so that it is not reported again until it changes.
2. Push. The user's calls and meetings (planned or done) starting in the range with no link, and every
   linked activity changed since its synced_version: PUT (If-None-Match: * / If-Match: etag); a
   cancelled activity, one no longer a call or meeting, or a deleted one (link without activity): DELETE.

A server failure (down, 401, 5xx, timeout) stops the run: nothing is marked as synced that was not, the
error is kept in the user's language with the next attempt (1, 2, 4 … minutes, at most an hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from activities.models import Activity, ActivityType
from activities.services.records import ActivityInput, activity_create, activity_update
from crm import secretbox
from crm.tenancy import current_tenant
from integrations.caldav.client import CalDAVError, CalendarClient, RemoteEvent, href_key
from integrations.caldav.ical import EventRejected, ParsedEvent, changes_for, event_ics, parse_event
from integrations.models import CalDAVAccount, CalendarLink, SyncLogEntry

if TYPE_CHECKING:
    from crm.models import User

KIND = "caldav"
WINDOW_PAST = timedelta(days=30)
WINDOW_FUTURE = timedelta(days=365)
SYNC_INTERVAL = timedelta(minutes=5)
BACKOFF_CAP_MINUTES = 60
LOCK_SECONDS = 15 * 60
SYNCED_KINDS = (ActivityType.Kind.MEETING, ActivityType.Kind.CALL)
SYNCED_STATUSES = (Activity.Status.PLANNED, Activity.Status.DONE)
CRM_UID_SUFFIX = "@crm"

# The activity fields a calendar change can touch, as the sync log names them.
FIELD_LABELS = {
    "subject": pgettext_lazy("caldav field", "subject"),
    "description": pgettext_lazy("caldav field", "description"),
    "location": pgettext_lazy("caldav field", "location"),
    "starts_at": pgettext_lazy("caldav field", "start"),
    "duration_minutes": pgettext_lazy("caldav field", "duration"),
    "all_day": pgettext_lazy("caldav field", "all day"),
    "status": pgettext_lazy("caldav field", "status"),
}

Direction = SyncLogEntry.Direction
Action = SyncLogEntry.Action


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    rejected: int = 0
    error: str = ""
    skipped: bool = False
    busy: bool = False  # skipped because another run of the same account holds the lock


def backoff(failures: int) -> timedelta:
    """1, 2, 4 … minutes after 1, 2, 3 … failures in a row, at most an hour."""
    return timedelta(minutes=min(2 ** max(failures - 1, 0), BACKOFF_CAP_MINUTES))


def user_language(user: User) -> str:
    return user.language or current_tenant().language or "fr"


def lock_key(account_id: int) -> str:
    return f"caldav:sync:{current_tenant().pk}:{account_id}"


def account_sync(*, account_id: int) -> SyncReport:
    """Run one sync of the account now (inside its tenant's scope). A run already going on for the
    same account makes this one return at once (skipped)."""
    key = lock_key(account_id)
    if not cache.add(key, "1", timeout=LOCK_SECONDS):
        return SyncReport(skipped=True, busy=True)
    try:
        account = CalDAVAccount.objects.select_related("user").filter(pk=account_id).first()
        if account is None or not account.is_active or not account.calendar_url:
            return SyncReport(skipped=True)
        with translation.override(user_language(account.user)):
            return _run(account)
    finally:
        cache.delete(key)


def _run(account: CalDAVAccount) -> SyncReport:
    now = timezone.now()
    report = SyncReport()
    CalDAVAccount.objects.filter(pk=account.pk).update(last_run_at=now)
    try:
        password = secretbox.decrypt(account.password_encrypted)
    except secretbox.SecretUnreadable:
        _failed(account, _("The stored password can no longer be read: enter it again."), now, report)
        return report
    try:
        with CalendarClient(url=account.url, username=account.username, password=password) as client:
            _pull(account, client, report, now)
            _push(account, client, report, now)
    except CalDAVError as error:
        _failed(account, error.message(), now, report)
        return report
    CalDAVAccount.objects.filter(pk=account.pk).update(
        last_success_at=now,
        last_error="",
        consecutive_failures=0,
        next_attempt_at=now + SYNC_INTERVAL,
        events_pushed=F("events_pushed") + report.pushed,
        events_pulled=F("events_pulled") + report.pulled,
    )
    return report


def _failed(account: CalDAVAccount, message: str, now: datetime, report: SyncReport) -> None:
    failures = account.consecutive_failures + 1
    CalDAVAccount.objects.filter(pk=account.pk).update(
        last_error=message,
        last_error_at=now,
        consecutive_failures=failures,
        next_attempt_at=now + backoff(failures),
        events_pushed=F("events_pushed") + report.pushed,
        events_pulled=F("events_pulled") + report.pulled,
    )
    report.error = message


def _log(
    account: CalDAVAccount, direction: str, action: str, detail: str, activity: Activity | None = None
) -> None:
    SyncLogEntry.objects.create(
        kind=KIND,
        object_id=account.pk,
        direction=direction,
        action=action,
        activity=activity if activity is not None and activity.pk else None,
        detail=detail,
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return pgettext("caldav", "unknown")
    return date_format(timezone.localtime(moment), "d/m/Y H:i:s")


# Pull ----------------------------------------------------------------------------------------------


def _pull(account: CalDAVAccount, client: CalendarClient, report: SyncReport, now: datetime) -> None:
    remote = client.etags(calendar_url=account.calendar_url, start=now - WINDOW_PAST, end=now + WINDOW_FUTURE)
    links = {
        link.href: link
        for link in CalendarLink.objects.filter(account=account, href__in=list(remote)).select_related(
            "activity", "activity__type"
        )
    }
    changed = [href for href, etag in remote.items() if href not in links or links[href].etag != etag]
    # Linked events that left the listing: moved out of the range, or deleted on the server.
    absent = {
        link.href: link
        for link in CalendarLink.objects.filter(
            account=account,
            deleted_at__isnull=True,
            activity__owner=account.user,
            activity__starts_at__gte=now - WINDOW_PAST,
            activity__starts_at__lt=now + WINDOW_FUTURE,
        )
        .exclude(href__in=list(remote))
        .select_related("activity", "activity__type")
    }
    events, gone = client.fetch(calendar_url=account.calendar_url, hrefs=[*changed, *absent])
    for event in events:
        link = links.get(event.href) or absent.get(event.href)
        if link is not None and link.etag == event.etag:
            continue
        _pull_event(account, link, event, report, now)
    for href in sorted(gone):
        link = absent.get(href)
        if link is not None:
            _pull_gone(account, link, report, now)


def _pull_event(
    account: CalDAVAccount, link: CalendarLink | None, event: RemoteEvent, report: SyncReport, now: datetime
) -> None:
    try:
        with transaction.atomic():
            parsed = parse_event(event.data)
            _apply(account, link, event, parsed, report, now)
    except (EventRejected, ValidationError) as error:
        reason = str(error) if isinstance(error, EventRejected) else "; ".join(error.messages)
        report.rejected += 1
        _log(
            account,
            Direction.FROM_SERVER,
            Action.REJECTED,
            _("Event %(href)s not taken: %(reason)s") % {"href": event.href, "reason": reason},
            link.activity if link is not None else None,
        )
        _remember_etag(account, link, event, now)


def _remember_etag(
    account: CalDAVAccount, link: CalendarLink | None, event: RemoteEvent, now: datetime
) -> None:
    """A rejected event is not read again until it changes on the server."""
    if link is not None:
        CalendarLink.objects.filter(pk=link.pk).update(etag=event.etag)
        return
    CalendarLink.objects.update_or_create(
        account=account, href=event.href, defaults={"etag": event.etag, "deleted_at": now, "activity": None}
    )


def _apply(
    account: CalDAVAccount,
    link: CalendarLink | None,
    event: RemoteEvent,
    parsed: ParsedEvent,
    report: SyncReport,
    now: datetime,
) -> None:
    user = account.user
    if link is None or link.activity_id is None or link.activity is None:
        existing = (
            Activity.objects.filter(owner=user, uid=parsed.uid).select_related("type").first()
            if parsed.uid
            else None
        )
        if existing is None and parsed.uid.endswith(CRM_UID_SUFFIX):
            # Written by the CRM for an activity deleted since: not brought back.
            _remember_etag(account, link, event, now)
            return
        if existing is None:
            _pull_create(account, link, event, parsed, report, now)
            return
        # The user's own activity (a reconnection): linked, then treated as changed on both sides.
        link, _created = CalendarLink.objects.update_or_create(
            account=account,
            href=event.href,
            defaults={"activity": existing, "etag": "", "synced_version": 0, "deleted_at": None},
        )
        link.activity = existing
    assert link.activity_id is not None
    activity = Activity.objects.select_related("type").get(pk=link.activity_id)
    if activity.owner_id != account.user_id:
        # Given to a colleague since: no longer this calendar's (the push removes the event).
        CalendarLink.objects.filter(pk=link.pk).update(etag=event.etag)
        return
    if activity.version > link.synced_version:
        crm_time = activity.updated_at
        server_wins = parsed.last_modified is not None and parsed.last_modified > crm_time
        report.conflicts += 1
        _log(
            account,
            Direction.FROM_SERVER,
            Action.CONFLICT,
            _(
                "“%(subject)s” changed on both sides: server at %(server)s, CRM at %(crm)s. "
                "The most recent wins: %(winner)s."
            )
            % {
                "subject": activity.subject,
                "server": _when(parsed.last_modified),
                "crm": _when(crm_time),
                "winner": pgettext("caldav", "the server") if server_wins else pgettext("caldav", "the CRM"),
            },
            activity,
        )
        if not server_wins:
            # The push that follows sends the CRM's version over this etag.
            CalendarLink.objects.filter(pk=link.pk).update(
                etag=event.etag, remote_last_modified=parsed.last_modified, deleted_at=None
            )
            return
    changes = changes_for(activity, parsed)
    if changes:
        activity = activity_update(activity=activity, actor=account.user, **changes)
        report.pulled += 1
        _log(
            account,
            Direction.FROM_SERVER,
            Action.UPDATED,
            _("“%(subject)s” updated from the server (%(fields)s).")
            % {
                "subject": activity.subject,
                "fields": ", ".join(str(FIELD_LABELS.get(name, name)) for name in sorted(changes)),
            },
            activity,
        )
    CalendarLink.objects.filter(pk=link.pk).update(
        etag=event.etag,
        remote_last_modified=parsed.last_modified,
        synced_version=activity.version,
        deleted_at=None,
    )


def _pull_create(
    account: CalDAVAccount,
    link: CalendarLink | None,
    event: RemoteEvent,
    parsed: ParsedEvent,
    report: SyncReport,
    now: datetime,
) -> None:
    meeting_type, _created = ActivityType.objects.get_or_create(
        code="meeting", defaults={"kind": ActivityType.Kind.MEETING, "icon": "users", "position": 3}
    )
    activity = activity_create(
        data=ActivityInput(
            type=meeting_type,
            subject=parsed.subject,
            owner=account.user,
            starts_at=parsed.starts_at,
            duration_minutes=parsed.duration_minutes,
            status=Activity.Status.CANCELLED if parsed.cancelled else Activity.Status.PLANNED,
            description=parsed.description,
            location=parsed.location,
            all_day=parsed.all_day,
            is_private=parsed.is_private,
            uid=parsed.uid,
        ),
        actor=account.user,
    )
    CalendarLink.objects.update_or_create(
        account=account,
        href=event.href,
        defaults={
            "activity": activity,
            "etag": event.etag,
            "remote_last_modified": parsed.last_modified,
            "synced_version": activity.version,
            "deleted_at": None,
        },
    )
    report.pulled += 1
    _log(
        account,
        Direction.FROM_SERVER,
        Action.CREATED,
        _("“%(subject)s” created from the server as a planned meeting.") % {"subject": activity.subject},
        activity,
    )


def _pull_gone(account: CalDAVAccount, link: CalendarLink, report: SyncReport, now: datetime) -> None:
    assert link.activity_id is not None  # `absent` holds linked events only
    with transaction.atomic():
        activity = Activity.objects.select_related("type").get(pk=link.activity_id)
        if activity.status != Activity.Status.CANCELLED:
            activity = activity_update(
                activity=activity, actor=account.user, status=Activity.Status.CANCELLED
            )
        CalendarLink.objects.filter(pk=link.pk).update(deleted_at=now, synced_version=activity.version)
        report.pulled += 1
        _log(
            account,
            Direction.FROM_SERVER,
            Action.DELETED,
            _("“%(subject)s” was deleted from the server: the activity is cancelled.")
            % {"subject": activity.subject},
            activity,
        )


# Push ----------------------------------------------------------------------------------------------


def _pushable(activity: Activity) -> bool:
    return activity.type.kind in SYNCED_KINDS and activity.status in SYNCED_STATUSES


def _push(account: CalDAVAccount, client: CalendarClient, report: SyncReport, now: datetime) -> None:
    live = CalendarLink.objects.filter(account=account, activity=OuterRef("pk"), deleted_at__isnull=True)
    todo = (
        Activity.objects.filter(owner=account.user)
        .filter(
            Q(
                ~Exists(live),
                type__kind__in=SYNCED_KINDS,
                status__in=SYNCED_STATUSES,
                starts_at__gte=now - WINDOW_PAST,
                starts_at__lt=now + WINDOW_FUTURE,
            )
            | Exists(live.filter(synced_version__lt=OuterRef("version")))
        )
        .select_related("type")
        .order_by("starts_at", "pk")
    )
    for activity in todo:
        link = (
            CalendarLink.objects.filter(account=account, activity=activity, deleted_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if link is None:
            if _pushable(activity):
                _push_new(account, client, activity, report)
        elif _pushable(activity):
            _push_update(account, client, activity, link, report)
        else:
            _push_delete(account, client, link, activity, report, now)
    # Activities deleted in the CRM (their links lost the activity) or given to a colleague.
    for link in CalendarLink.objects.filter(account=account, activity__isnull=True, deleted_at__isnull=True):
        _push_delete(account, client, link, None, report, now)
    for link in (
        CalendarLink.objects.filter(account=account, deleted_at__isnull=True)
        .exclude(activity__isnull=True)
        .exclude(activity__owner=account.user)
        .select_related("activity")
    ):
        _push_delete(account, client, link, link.activity, report, now)


def _new_href(account: CalDAVAccount, activity: Activity) -> str:
    name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in activity.uid)
    return href_key(account.calendar_url).rstrip("/") + f"/{name}.ics"


def _push_new(account: CalDAVAccount, client: CalendarClient, activity: Activity, report: SyncReport) -> None:
    href = _new_href(account, activity)
    try:
        etag = client.put(href=href, ics=event_ics(activity), etag=None)
    except CalDAVError as error:
        if error.kind != "conflict":
            raise
        # Already there (written before a reconnection): the next pull links it.
        return
    CalendarLink.objects.update_or_create(
        account=account,
        href=href,
        defaults={"activity": activity, "etag": etag, "synced_version": activity.version, "deleted_at": None},
    )
    report.pushed += 1
    _log(
        account,
        Direction.TO_SERVER,
        Action.CREATED,
        _("“%(subject)s” sent to the calendar.") % {"subject": activity.subject},
        activity,
    )


def _push_update(
    account: CalDAVAccount, client: CalendarClient, activity: Activity, link: CalendarLink, report: SyncReport
) -> None:
    try:
        etag = client.put(href=link.href, ics=event_ics(activity), etag=link.etag or None)
    except CalDAVError as error:
        if error.kind != "conflict":
            raise
        # Changed on the server since our pull: the next run applies the conflict rule.
        return
    CalendarLink.objects.filter(pk=link.pk).update(
        etag=etag, synced_version=activity.version, remote_last_modified=activity.updated_at
    )
    report.pushed += 1
    _log(
        account,
        Direction.TO_SERVER,
        Action.UPDATED,
        _("“%(subject)s” updated on the calendar.") % {"subject": activity.subject},
        activity,
    )


def _push_delete(
    account: CalDAVAccount,
    client: CalendarClient,
    link: CalendarLink,
    activity: Activity | None,
    report: SyncReport,
    now: datetime,
) -> None:
    client.delete(href=link.href)
    CalendarLink.objects.filter(pk=link.pk).update(
        deleted_at=now, synced_version=activity.version if activity is not None else link.synced_version
    )
    report.pushed += 1
    if activity is None:
        detail = _("An event removed from the calendar (activity deleted in the CRM).")
    elif activity.owner_id != account.user_id:
        detail = _("“%(subject)s” removed from the calendar (given to a colleague).") % {
            "subject": activity.subject
        }
    elif activity.status == Activity.Status.CANCELLED:
        detail = _("“%(subject)s” removed from the calendar (cancelled in the CRM).") % {
            "subject": activity.subject
        }
    else:
        detail = _("“%(subject)s” removed from the calendar (no longer a call or a meeting).") % {
            "subject": activity.subject
        }
    _log(account, Direction.TO_SERVER, Action.DELETED, detail, activity)
