"""An activity as an iCalendar VEVENT and back. Written events carry the activity's UID, SEQUENCE,
LAST-MODIFIED (the activity's updated_at: the conflict rule compares it) and DTSTAMP; read events
give the fields an activity keeps. A bad event raises EventRejected with a readable reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from activities.models import Activity

PRODID = "-//CRM//Synchronisation CalDAV//FR"
SUBJECT_MAX = 200
LOCATION_MAX = 255


class EventRejected(ValueError):
    """An event the CRM cannot take: the message says why (translated)."""


@dataclass(frozen=True)
class ParsedEvent:
    uid: str
    subject: str
    description: str
    location: str
    starts_at: datetime
    duration_minutes: int | None
    all_day: bool
    cancelled: bool
    is_private: bool
    last_modified: datetime | None


def event_ics(activity: Activity) -> str:
    """The activity as a one-event VCALENDAR."""
    from activities.models import Activity

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", activity.uid)
    event.add("sequence", activity.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("created", activity.created_at.astimezone(UTC))
    event.add("last-modified", activity.updated_at.astimezone(UTC))
    event.add("summary", activity.subject)
    if activity.description:
        event.add("description", activity.description)
    if activity.location:
        event.add("location", activity.location)
    if activity.all_day:
        first = timezone.localtime(activity.starts_at).date()
        end = first + timedelta(days=1)  # DTEND of an all-day event is exclusive: the day after
        if activity.ends_at is not None:
            local_end = timezone.localtime(activity.ends_at)
            last = local_end.date() + (timedelta(days=1) if local_end.time() != time.min else timedelta())
            end = max(end, last)
        event.add("dtstart", first)
        event.add("dtend", end)
    else:
        event.add("dtstart", activity.starts_at.astimezone(UTC))
        if activity.ends_at is not None:
            event.add("dtend", activity.ends_at.astimezone(UTC))
    cancelled = activity.status == Activity.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("class", "PRIVATE" if activity.is_private else "PUBLIC")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _aware(value: datetime) -> datetime:
    # A "floating" time (no zone) is read in the CRM's time zone.
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _moment(value: Any) -> tuple[datetime, bool]:
    """(aware datetime, is a whole day) of a DTSTART / DTEND value."""
    if isinstance(value, datetime):
        return _aware(value), False
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time.min)), True
    raise EventRejected(_("The event's dates cannot be read."))


def _text(event: icalendar.cal.Component, name: str) -> str:
    value = event.get(name)
    return str(value).strip() if value is not None else ""


def parse_event(data: str) -> ParsedEvent:
    """Read the main VEVENT of a calendar resource. Raises EventRejected."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise EventRejected(_("The event cannot be read (invalid iCalendar data).")) from exc
    masters = [c for c in calendar.walk("VEVENT") if c.get("recurrence-id") is None]
    if not masters:
        raise EventRejected(_("The resource holds no event."))
    event = masters[0]
    if event.get("rrule") is not None:
        raise EventRejected(_("Recurring events are not synchronised with the CRM."))
    try:
        start_property = event.get("dtstart")
        if start_property is None or not hasattr(start_property, "dt"):
            raise EventRejected(_("The event has no start date."))
        starts_at, all_day = _moment(start_property.dt)
        end_property = event.get("dtend")
        duration_property = event.get("duration")
        ends_at: datetime | None = None
        if end_property is not None and hasattr(end_property, "dt"):
            ends_at, _whole_day = _moment(end_property.dt)
        elif duration_property is not None and hasattr(duration_property, "dt"):
            ends_at = starts_at + duration_property.dt
        elif all_day:
            ends_at = starts_at + timedelta(days=1)
        modified = event.get("last-modified") or event.get("dtstamp")
        last_modified = (
            _aware(modified.dt) if modified is not None and isinstance(modified.dt, datetime) else None
        )
    except EventRejected:
        raise
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        raise EventRejected(_("The event's dates cannot be read.")) from exc
    if ends_at is not None and ends_at < starts_at:
        raise EventRejected(_("The event ends before it starts."))
    duration = None if ends_at is None else int((ends_at - starts_at).total_seconds() // 60)
    subject = _text(event, "summary")[:SUBJECT_MAX] or str(_("Untitled event"))
    return ParsedEvent(
        uid=_text(event, "uid"),
        subject=subject,
        description=_text(event, "description"),
        location=_text(event, "location")[:LOCATION_MAX],
        starts_at=starts_at,
        duration_minutes=duration,
        all_day=all_day,
        cancelled=_text(event, "status").upper() == "CANCELLED",
        is_private=_text(event, "class").upper() in {"PRIVATE", "CONFIDENTIAL"},
        last_modified=last_modified,
    )


def changes_for(activity: Activity, event: ParsedEvent) -> dict[str, Any]:
    """The activity fields that differ from the event (nothing when they already agree)."""
    from activities.models import Activity

    wanted: dict[str, Any] = {
        "subject": event.subject,
        "description": event.description,
        "location": event.location,
        "starts_at": event.starts_at,
        "duration_minutes": event.duration_minutes,
        "all_day": event.all_day,
    }
    if event.cancelled:
        wanted["status"] = Activity.Status.CANCELLED
    elif activity.status == Activity.Status.CANCELLED:
        wanted["status"] = Activity.Status.PLANNED
    current = {name: getattr(activity, name) for name in wanted}
    # iCalendar times have no microseconds: a start sent with them comes back without.
    current["starts_at"] = activity.starts_at.replace(microsecond=0)
    return {name: value for name, value in wanted.items() if current[name] != value}
