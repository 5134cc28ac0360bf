"""The home widget "My overdue opportunities": open ones of the member whose close date has passed."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from crm.models import Membership
from opportunities.models import Opportunity

SHOWN = 8


def overdue_context(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    if not request.user.has_perm("opportunities.view_opportunity"):
        return {"overdue": [], "hidden": True}
    overdue = list(
        Opportunity.objects.open()
        .filter(owner_id=membership.user_id, expected_close_date__lt=timezone.localdate())
        .select_related("account")
        .order_by("expected_close_date", "id")[:SHOWN]
    )
    return {"overdue": overdue, "hidden": False}
