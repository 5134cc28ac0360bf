"""The opportunities panel of an account's page (crm.panels): its open and recent opportunities."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Model, Value, When
from django.http import HttpRequest

from opportunities import selectors
from opportunities.models import Stage

PANEL_SIZE = 10


def account_opportunities(request: HttpRequest, account: Model) -> dict[str, Any] | None:
    """Open ones first (soonest close), then the closed ones (latest close); two queries whatever the
    number. None for roles that do not read opportunities."""
    if not request.user.has_perm("opportunities.view_opportunity"):
        return None
    membership = request.membership  # type: ignore[attr-defined]
    visible = selectors.opportunity_list(membership=membership).filter(account_id=account.pk)
    is_closed = Case(
        When(stage__outcome=Stage.Outcome.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    ordered = visible.annotate(is_closed=is_closed).order_by("is_closed", "expected_close_date", "id")
    return {
        "account": account,
        "opportunities": list(ordered[:PANEL_SIZE]),
        "total": visible.count(),
        "may_add": request.user.has_perm("opportunities.add_opportunity"),
    }
