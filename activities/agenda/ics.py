"""iCalendar (RFC 5545) in and out, with the `icalendar` library: the feed, invitations (METHOD
REQUEST / CANCEL, RFC 5546) and the parsing of received or uploaded .ics files.

Decisions:
- Times go out in UTC (DTSTART:20261128T090000Z); an all-day event goes out as VALUE=DATE in the
  tenant's time zone, its end the day after its last day (exclusive, as RFC 5545 wants).
- A private event in the feed keeps its time but says only "Busy" (CLASS:PRIVATE, no location,
  description or link): a feed address ends up in shared calendar apps more often than it should.
- Parsed files: a floating time (no TZID, no Z) is read in the tenant's time zone. A recurring event
  (RRULE) is checked but not expanded: its first occurrence is imported and its description says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from activities.models import Activity

PRODID = "-//CRM//Agenda 1.0//FR"
MAX_EVENTS = 500
MIN_YEAR, MAX_YEAR = 1900, 2200


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


def calendar_new(*, name: str, time_zone: str, method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", time_zone)
    return calendar


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["cn"] = vText(person.name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def event_for(
    activity: Activity,
    *,
    time_zone: str,
    busy_label: str = "",
    link: str = "",
    organizer: Person | None = None,
    attendees: list[Person] | None = None,
    cancelled: bool = False,
) -> Event:
    """One VEVENT for an activity. `busy_label` set: the private form (time only)."""
    event = Event()
    event.add("uid", activity.uid)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    if activity.all_day:
        first = timezone.localtime(activity.starts_at, ZoneInfo(time_zone)).date()
        days = max(1, math.ceil((activity.duration_minutes or 0) / (24 * 60)))
        event.add("dtstart", first)
        event.add("dtend", first + timedelta(days=days))
    else:
        event.add("dtstart", activity.starts_at.astimezone(UTC))
        event.add("dtend", (activity.ends_at or activity.starts_at).astimezone(UTC))
    event.add("sequence", activity.sequence)
    is_cancelled = cancelled or activity.status == Activity.Status.CANCELLED
    event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    event.add("last-modified", activity.updated_at.astimezone(UTC))
    if busy_label:
        event.add("summary", busy_label)
        event.add("class", "PRIVATE")
        event.add("transp", "OPAQUE")
        return event
    event.add("summary", activity.subject)
    if activity.location:
        event.add("location", activity.location)
    description = activity.description
    if link:
        description = f"{description}\n\n{link}".strip()
        event.add("url", link)
    if description:
        event.add("description", description)
    if organizer is not None:
        event.add("organizer", _address(organizer))
    for person in attendees or []:
        event.add(
            "attendee",
            _address(person, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="TRUE"),
        )
    return event


def calendar_bytes(calendar: Calendar) -> bytes:
    return bytes(calendar.to_ical())


@dataclass
class ParsedEvent:
    uid: str
    sequence: int
    summary: str
    starts_at: datetime
    duration_minutes: int | None
    all_day: bool
    location: str = ""
    description: str = ""
    status: str = ""
    recurrence: str = ""
    attendees: list[str] = field(default_factory=list)


@dataclass
class ParsedCalendar:
    method: str
    events: list[ParsedEvent]


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value).strip() if value is not None else ""


def _moment(value: Any, zone: ZoneInfo) -> tuple[datetime, bool]:
    """(aware datetime, all day) of a DTSTART/DTEND value."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            return value.replace(tzinfo=zone), False
        return value, False
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=zone), True
    raise ValueError(value)


def _year_ok(moment: datetime) -> bool:
    return MIN_YEAR <= moment.year <= MAX_YEAR


def _event(component: Any, zone: ZoneInfo) -> ParsedEvent:
    """One VEVENT, checked; raises ValidationError with the reason (without the event's number)."""
    start_prop = component.get("dtstart")
    if start_prop is None:
        raise ValidationError(_("it has no start (DTSTART)."))
    try:
        starts_at, all_day = _moment(start_prop.dt, zone)
    except (ValueError, AttributeError):
        raise ValidationError(_("its start (DTSTART) is not a date.")) from None
    if not _year_ok(starts_at):
        raise ValidationError(_("its date is not plausible (year %(year)s).") % {"year": starts_at.year})
    ends_at: datetime | None = None
    end_prop = component.get("dtend")
    if end_prop is not None:
        try:
            ends_at, _end_all_day = _moment(end_prop.dt, zone)
        except (ValueError, AttributeError):
            raise ValidationError(_("its end (DTEND) is not a date.")) from None
    elif component.get("duration") is not None:
        duration = component.get("duration").dt
        if not isinstance(duration, timedelta):
            raise ValidationError(_("its duration is not valid."))
        ends_at = starts_at + duration
    if ends_at is not None:
        if not _year_ok(ends_at):
            raise ValidationError(_("its date is not plausible (year %(year)s).") % {"year": ends_at.year})
        if ends_at < starts_at:
            raise ValidationError(_("it ends (DTEND) before it starts (DTSTART)."))
    recurrence = ""
    rule = component.get("rrule")
    if rule is not None:
        recurrence = rule.to_ical().decode()
        try:
            rrulestr(recurrence, dtstart=starts_at)
        except (ValueError, TypeError, OverflowError):
            raise ValidationError(_("its repetition rule (RRULE) is not valid.")) from None
    duration_minutes = None
    if ends_at is not None:
        duration_minutes = int((ends_at - starts_at).total_seconds() // 60)
        if duration_minutes > 60 * 24 * 31:
            raise ValidationError(_("it lasts more than 31 days."))
    uid = _text(component, "uid")
    if not uid:
        raise ValidationError(_("it has no identifier (UID)."))
    try:
        sequence = int(component.get("sequence", 0))
    except (TypeError, ValueError):
        sequence = 0
    attendees = []
    for attendee in (
        component.get("attendee", [])
        if isinstance(component.get("attendee"), list)
        else [component.get("attendee")]
    ):
        if attendee is None:
            continue
        address = str(attendee)
        if address.lower().startswith("mailto:"):
            address = address[7:]
        if "@" in address:
            attendees.append(address.strip().lower())
    return ParsedEvent(
        uid=uid[:255],
        sequence=max(0, sequence),
        summary=_text(component, "summary")[:200],
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        all_day=all_day,
        location=_text(component, "location")[:255],
        description=_text(component, "description"),
        status=_text(component, "status").upper(),
        recurrence=recurrence,
        attendees=attendees,
    )


def calendar_parse(data: bytes, *, time_zone: str) -> ParsedCalendar:
    """Parse and check a whole file; raises ValidationError listing every reason found."""
    try:
        calendar = Calendar.from_ical(data)
    except Exception:  # the library raises ValueError, KeyError, IndexError... on garbage
        raise ValidationError(_("This file is not an iCalendar (.ics) file.")) from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise ValidationError(_("This file is not an iCalendar (.ics) file."))
    components = list(calendar.walk("VEVENT"))
    if not components:
        raise ValidationError(_("This calendar has no event."))
    if len(components) > MAX_EVENTS:
        raise ValidationError(
            _("This calendar has %(count)s events; at most %(limit)s are imported at once.")
            % {"count": len(components), "limit": MAX_EVENTS}
        )
    zone = ZoneInfo(time_zone)
    events: list[ParsedEvent] = []
    errors: list[str] = []
    for number, component in enumerate(components, start=1):
        try:
            events.append(_event(component, zone))
        except (ValueError, TypeError, KeyError, AttributeError):
            errors.append(_("Event %(number)s: it could not be read.") % {"number": number})
        except ValidationError as error:
            label = _text(component, "summary") or _("(no title)")
            errors.extend(
                _("Event %(number)s (“%(title)s”): %(reason)s")
                % {"number": number, "title": label[:80], "reason": message}
                for message in error.messages
            )
    if errors:
        raise ValidationError(errors[:20])
    return ParsedCalendar(method=_text(calendar, "method").upper(), events=events)
