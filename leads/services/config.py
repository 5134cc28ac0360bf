"""The tenant's lead settings, business calendar and default sources."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from crm.models import Tenant
from leads.business_hours import Calendar, add_business_hours, calendar_from
from leads.models import BusinessCalendar, LeadSettings, LeadSource


def lead_settings() -> LeadSettings:
    """The current tenant's settings; the defaults (unsaved) until an admin saves them."""
    return LeadSettings.objects.select_related("fallback_team").first() or LeadSettings()


def business_calendar(tenant: Tenant) -> Calendar:
    stored = BusinessCalendar.objects.first()
    if stored is None:
        return Calendar(time_zone=tenant.time_zone)
    return calendar_from(
        time_zone=tenant.time_zone,
        working_days=stored.working_days,
        day_start=stored.day_start,
        day_end=stored.day_end,
        french_holidays=stored.french_public_holidays,
        closed_days=stored.closed_days,
    )


def first_contact_deadline(
    *, tenant: Tenant, start: datetime, source: LeadSource | None, settings: LeadSettings | None = None
) -> datetime:
    """When the first contact is due: the source's SLA or the tenant's (24 hours by default), in
    calendar hours or, when the tenant chose so, in business hours of its calendar."""
    settings = settings or lead_settings()
    hours = source.sla_hours if source is not None and source.sla_hours else settings.first_contact_sla_hours
    if settings.sla_in_business_hours:
        return add_business_hours(start, hours, calendar=business_calendar(tenant))
    return start + timedelta(hours=hours)


@transaction.atomic
def lead_sources_seed(*, tenant: Tenant) -> list[LeadSource]:
    """Create the default sources the tenant does not have yet (by code); idempotent."""
    existing = set(LeadSource.objects.values_list("code", flat=True))
    created = [
        LeadSource(tenant=tenant, code=code, name=str(name), position=position)
        for position, (code, name) in enumerate(LeadSource.DEFAULTS)
        if code not in existing
    ]
    for source in created:
        source.save()
    return created
