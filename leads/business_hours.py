"""Business-hour arithmetic, pure: no database, no clock. The SLA deadline of a lead is
`add_business_hours(arrival, hours, calendar=...)` when its tenant counts in business hours."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> frozenset[date]:
    """The eleven public holidays of metropolitan France (Code du travail, L3133-1)."""
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),  # Jour de l'an
            easter + timedelta(days=1),  # Lundi de Pâques
            date(year, 5, 1),  # Fête du travail
            date(year, 5, 8),  # Victoire 1945
            easter + timedelta(days=39),  # Ascension
            easter + timedelta(days=50),  # Lundi de Pentecôte
            date(year, 7, 14),  # Fête nationale
            date(year, 8, 15),  # Assomption
            date(year, 11, 1),  # Toussaint
            date(year, 11, 11),  # Armistice
            date(year, 12, 25),  # Noël
        }
    )


@dataclass(frozen=True)
class Calendar:
    """Working days (0 = Monday), the working hours of each, in a time zone, and the closed days."""

    time_zone: str = "Europe/Paris"
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    french_holidays: bool = True
    closed_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.working_days or day in self.closed_days:
            return False
        return not (self.french_holidays and day in french_public_holidays(day.year))


def add_business_hours(start: datetime, hours: float, *, calendar: Calendar) -> datetime:
    """The moment `hours` working hours after `start` (aware), counted only on the calendar's working
    days between its day start and end, in its time zone. Returned in the calendar's time zone.

    A start outside working hours counts from the next opening; a deadline falling exactly at a day's
    end stays there (rather than moving to the next opening)."""
    zone = ZoneInfo(calendar.time_zone)
    moment = start.astimezone(zone)
    remaining = timedelta(hours=hours)
    day = moment.date()
    for _safety in range(3660):  # ten years of days: a calendar with no working day ends the loop
        if calendar.is_working_day(day):
            opening = datetime.combine(day, calendar.day_start, tzinfo=zone)
            closing = datetime.combine(day, calendar.day_end, tzinfo=zone)
            begin = max(moment, opening)
            if begin < closing:
                available = closing - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
        moment = datetime.combine(day, time(0, 0), tzinfo=zone)
    raise ValueError("This calendar has no working hours.")


def calendar_from(
    *,
    time_zone: str,
    working_days: Iterable[int],
    day_start: time,
    day_end: time,
    french_holidays: bool,
    closed_days: Iterable[date] = (),
) -> Calendar:
    return Calendar(
        time_zone=time_zone,
        working_days=frozenset(working_days),
        day_start=day_start,
        day_end=day_end,
        french_holidays=french_holidays,
        closed_days=frozenset(closed_days),
    )


Deadline = Callable[[datetime, float], datetime]
