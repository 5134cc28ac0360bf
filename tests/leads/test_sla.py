"""Business-hour arithmetic (pure) and the first-contact deadline stored on a lead."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm.tenancy import tenant_scope
from leads.business_hours import Calendar, add_business_hours, easter_sunday, french_public_holidays
from leads.models import BusinessCalendar, LeadSettings
from leads.services import lead_create
from tests.leads.factories import LeadSourceFactory

PARIS = ZoneInfo("Europe/Paris")
CALENDAR = Calendar()  # Monday to Friday, 9:00 to 18:00, Paris, French public holidays


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def test_easter_and_the_french_public_holidays_of_2026() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    holidays = french_public_holidays(2026)
    assert len(holidays) == 11
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14)} <= holidays


def test_hours_within_one_working_day() -> None:
    # Tuesday 10:00 + 3 h = Tuesday 13:00
    assert add_business_hours(paris(2026, 11, 24, 10, 0), 3, calendar=CALENDAR) == paris(2026, 11, 24, 13, 0)


def test_twenty_four_business_hours_span_three_days_and_a_weekend() -> None:
    # Thursday 15:00: 3 h on Thursday, 9 h on Friday, Saturday and Sunday closed, 9 h on Monday,
    # 3 h on Tuesday -> Tuesday 12:00.
    deadline = add_business_hours(paris(2026, 11, 26, 15, 0), 24, calendar=CALENDAR)
    assert deadline == paris(2026, 12, 1, 12, 0)


def test_a_lead_arriving_on_saturday_night_counts_from_monday_morning() -> None:
    assert add_business_hours(paris(2026, 11, 28, 23, 30), 2, calendar=CALENDAR) == paris(2026, 11, 30, 11, 0)


def test_a_french_public_holiday_is_skipped() -> None:
    # Wednesday 10 November 2027, 17:00: 1 h on Wednesday, Thursday 11 November (Armistice) closed,
    # 1 h on Friday -> Friday 10:00.
    assert add_business_hours(paris(2027, 11, 10, 17, 0), 2, calendar=CALENDAR) == paris(2027, 11, 12, 10, 0)


def test_easter_monday_is_skipped_and_other_closed_days_too() -> None:
    # Friday 3 April 2026, 17:00 + 2 h: 1 h on Friday, Monday 6 April (Easter Monday) closed,
    # Tuesday 7 April closed by the company -> Wednesday 10:00.
    calendar = Calendar(closed_days=frozenset({date(2026, 4, 7)}))
    assert add_business_hours(paris(2026, 4, 3, 17, 0), 2, calendar=calendar) == paris(2026, 4, 8, 10, 0)


def test_without_french_holidays_the_holiday_is_a_working_day() -> None:
    calendar = Calendar(french_holidays=False)
    assert add_business_hours(paris(2027, 11, 10, 17, 0), 2, calendar=calendar) == paris(2027, 11, 11, 10, 0)


def test_a_deadline_at_the_end_of_the_day_stays_there() -> None:
    assert add_business_hours(paris(2026, 11, 24, 9, 0), 9, calendar=CALENDAR) == paris(2026, 11, 24, 18, 0)


def test_a_calendar_without_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="no working hours"):
        add_business_hours(paris(2026, 11, 24, 9, 0), 1, calendar=Calendar(working_days=frozenset()))


def test_utc_input_is_counted_in_the_calendar_time_zone() -> None:
    start = datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("UTC"))  # 9:00 in Paris
    assert add_business_hours(start, 1, calendar=CALENDAR) == paris(2026, 11, 24, 10, 0)


# The deadline stored on a lead -------------------------------------------------------------------


def test_by_default_the_deadline_is_twenty_four_calendar_hours(tenant, member, clock) -> None:
    clock(paris(2026, 11, 27, 17, 0))  # Friday
    author = member(tenant)
    with tenant_scope(tenant):
        lead = lead_create(tenant=tenant, actor=author.user, data={"last_name": "Dubois"})
    assert lead.first_contact_due_at == paris(2026, 11, 28, 17, 0)


def test_in_business_hours_of_the_tenant_calendar(tenant, member, clock) -> None:
    clock(paris(2026, 11, 27, 17, 0))  # Friday 17:00
    author = member(tenant)
    with tenant_scope(tenant):
        LeadSettings.objects.create(tenant=tenant, sla_in_business_hours=True, first_contact_sla_hours=8)
        BusinessCalendar.objects.create(tenant=tenant, day_start=time(8, 0), day_end=time(17, 0))
        lead = lead_create(tenant=tenant, actor=author.user, data={"last_name": "Dubois"})
    # Friday closed at 17:00: Monday 8:00 + 8 h = Monday 16:00.
    assert lead.first_contact_due_at == paris(2026, 11, 30, 16, 0)


def test_the_source_sla_wins_over_the_tenant_sla(tenant, member, clock) -> None:
    clock(paris(2026, 11, 24, 10, 0))
    author = member(tenant)
    with tenant_scope(tenant):
        source = LeadSourceFactory(code="inbound_call", name="Appel entrant", sla_hours=2)
        lead = lead_create(tenant=tenant, actor=author.user, data={"last_name": "Dubois", "source": source})
    assert lead.first_contact_due_at is not None
    assert lead.first_contact_due_at - lead.created_at == timedelta(hours=2)
