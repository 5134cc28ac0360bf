"""The "my activity" home widget (crm.home): calls today and this week, meetings this week, for me
and, for managers, for the members below me; one aggregate query."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from activities.models import Activity, ActivityType
from activities.selectors import period_range
from crm.models import Membership
from crm.roles import Role
from governance.visibility import owned_by_me_or_below

MANAGER_ROLES = frozenset(
    {Role.TENANT_ADMIN, Role.SALES_DIRECTOR, Role.SALES_MANAGER, Role.SUPPORT_SUPERVISOR}
)


def my_activity(membership: Membership, *, with_team: bool) -> dict[str, Any]:
    """Done calls today and this week, meetings (planned or done) this week; mine, and when asked my
    team's (everyone below me, not me)."""
    today, week = period_range("today"), period_range("week")
    if today is None or week is None:  # both periods are known: for the type checker
        raise ValueError("period")
    calls = Q(type__kind=ActivityType.Kind.CALL, status=Activity.Status.DONE)
    meetings = Q(type__kind=ActivityType.Kind.MEETING) & ~Q(status=Activity.Status.CANCELLED)
    in_today = Q(starts_at__gte=today[0], starts_at__lt=today[1])
    mine = Q(owner_id=membership.user_id)
    team = ~mine
    scope = owned_by_me_or_below(membership) if with_team else mine
    counts = Activity.objects.filter(
        scope, starts_at__gte=week[0], starts_at__lt=week[1]
    ).aggregate(  # today is in this week
        calls_today=Count("pk", filter=mine & calls & in_today),
        calls_week=Count("pk", filter=mine & calls),
        meetings_week=Count("pk", filter=mine & meetings),
        team_calls_today=Count("pk", filter=team & calls & in_today),
        team_calls_week=Count("pk", filter=team & calls),
        team_meetings_week=Count("pk", filter=team & meetings),
    )
    names = ("calls_today", "calls_week", "meetings_week")
    return {
        "mine": {name: counts[name] for name in names},
        "team": {name: counts[f"team_{name}"] for name in names} if with_team else None,
    }


def my_activity_context(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    return {"my_activity": my_activity(membership, with_team=membership.role in MANAGER_ROLES)}
