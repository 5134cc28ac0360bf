"""Reads on opportunities: every list, kanban, detail and API route starts here, so that visibility
(`visible_to`) is never forgotten."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from crm.models import Membership
from opportunities.models import Opportunity, Pipeline, Stage, StageChange
from opportunities.models.pipeline import OpportunityQuerySet


def opportunity_list(*, membership: Membership, search: str = "") -> OpportunityQuerySet:
    queryset = Opportunity.objects.visible_to(membership).select_related(
        "account", "owner", "stage", "pipeline"
    )
    if search:
        term = search.strip()
        queryset = queryset.filter(
            Q(name__icontains=term)
            | Q(account__legal_name__icontains=term)
            | Q(account__trade_name__icontains=term)
        )
    return queryset


def opportunity_get(*, membership: Membership, pk: int) -> Opportunity:
    """The opportunity if this member may see it; Opportunity.DoesNotExist (a 404) otherwise."""
    return (
        Opportunity.objects.visible_to(membership)
        .select_related("account", "owner", "stage", "pipeline", "primary_contact", "loss_reason")
        .get(pk=pk)
    )


def pipeline_list() -> QuerySet[Pipeline]:
    return Pipeline.objects.filter(is_active=True).order_by("position", "name")


def pipeline_stages(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.filter(is_active=True).order_by("position", "id"))


def stage_changes_of(opportunity: Opportunity) -> QuerySet[StageChange]:
    return opportunity.stage_changes.select_related("from_stage", "to_stage", "changed_by").order_by(
        "-changed_at", "-id"
    )


WEIGHTED = ExpressionWrapper(
    F("amount") * F("probability") / Value(Decimal(100)),
    output_field=DecimalField(max_digits=20, decimal_places=4),
)


def stage_totals(queryset: QuerySet[Opportunity]) -> dict[int, dict[str, Any]]:
    """Per stage: count, and per currency the amount and the weighted amount, in one GROUP BY query.
    Amounts are summed per currency, never converted: the tenant has no exchange rates (yet)."""
    totals: dict[int, dict[str, Any]] = {}
    rows = (
        queryset.order_by()
        .values("stage_id", "currency")
        .annotate(
            total_count=Count("id"),
            total_amount=Coalesce(Sum("amount"), Value(Decimal(0))),
            total_weighted=Coalesce(Sum(WEIGHTED), Value(Decimal(0))),
        )
    )
    for row in rows:
        entry = totals.setdefault(row["stage_id"], {"count": 0, "amounts": []})
        entry["count"] += row["total_count"]
        entry["amounts"].append(
            {
                "currency": row["currency"],
                "amount": row["total_amount"],
                "weighted": row["total_weighted"].quantize(Decimal("0.01")),
            }
        )
    for entry in totals.values():
        entry["amounts"].sort(key=lambda item: item["currency"])
    return totals
