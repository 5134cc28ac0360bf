"""Helpers of the agenda tests: meetings written through the activities services (their listeners
included), inside the tenant's scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from activities.models import Activity, ActivityType, CalendarSettings
from activities.services.records import ActivityInput, activity_create, activity_types_ensure
from crm.models import Membership, Tenant
from crm.tenancy import tenant_scope


def activity_type(code: str) -> ActivityType:
    return next(row for row in activity_types_ensure() if row.code == code)


def meeting(
    tenant: Tenant,
    owner: Membership,
    *,
    starts_at: datetime,
    subject: str = "Rendez-vous client",
    minutes: int | None = 60,
    code: str = "meeting",
    status: str = Activity.Status.PLANNED,
    **extra: Any,
) -> Activity:
    with tenant_scope(tenant):
        return activity_create(
            data=ActivityInput(
                type=activity_type(code),
                subject=subject,
                owner=owner.user,
                starts_at=starts_at,
                duration_minutes=minutes,
                status=status,
                **extra,
            ),
            actor=owner.user,
        )


def sharing(tenant: Tenant, member: Membership, level: str) -> None:
    with tenant_scope(tenant):
        CalendarSettings.objects.update_or_create(user_id=member.user_id, defaults={"sharing": level})
