"""Home page widgets of governance: a manager's team, a tenant admin's overview."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from crm.home import HomeWidget, register
from crm.models import ApiKey, Membership
from crm.roles import Role
from governance.models import SecurityEvent, Team
from governance.selectors import membership_subordinate_ids, security_event_list_for_tenant

MANAGING_ROLES = frozenset(
    {Role.SALES_DIRECTOR, Role.SALES_MANAGER, Role.MARKETING_MANAGER, Role.SUPPORT_SUPERVISOR}
)
DIRECT_REPORTS_SHOWN = 8


def team_context(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    below = membership_subordinate_ids(membership=membership)
    direct_reports = list(
        Membership.objects.filter(manager=membership, is_active=True)
        .select_related("user")
        .order_by("user__full_name")[:DIRECT_REPORTS_SHOWN]
    )
    return {"people_below": len(below), "direct_reports": direct_reports}


def admin_context(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    since = timezone.now() - timedelta(days=7)
    return {
        "active_members": Membership.objects.filter(is_active=True).count(),
        "teams": Team.objects.count(),
        "active_api_keys": ApiKey.objects.filter(revoked_at__isnull=True).count(),
        "failed_logins": security_event_list_for_tenant()
        .filter(kind=SecurityEvent.Kind.LOGIN_FAILED, created_at__gte=since)
        .count(),
    }


def register_widgets() -> None:
    register(HomeWidget("governance/home_team.html", team_context, roles=MANAGING_ROLES, order=20))
    register(
        HomeWidget(
            "governance/home_admin.html", admin_context, roles=frozenset({Role.TENANT_ADMIN}), order=10
        )
    )
