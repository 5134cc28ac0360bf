"""The kanban of a pipeline: one column per stage, the visible opportunities as cards, the list's
filters, column totals, and moves that go through `opportunity_move_stage`.

Queries do not grow with rows: the columns' first cards come from one windowed query (ROW_NUMBER per
stage), the totals from one GROUP BY, and "more" loads the next cards of one column by keyset (htmx).
Totals are summed per currency (no conversion: the tenant keeps no exchange rates).

A move (drag and drop in static/js/kanban.js, or the "move to" select of each card) answers with the
two columns it changed (htmx out-of-band swaps); a stage that needs fields the opportunity lacks answers
with a small form of exactly those fields, whose submit performs the move with them; any other refusal
(stale card, closed pipeline...) answers with its message.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from crm.http import TenantRequest
from crm.money import format_money
from crm.pagination import encode_cursor, keyset_page, page_links
from opportunities import selectors, services
from opportunities.filters import BoardFilter
from opportunities.forms import MissingFieldsForm, MoveForm
from opportunities.models import Opportunity, Pipeline, Stage
from opportunities.views.pages import opportunity_or_404, require

CARDS_PER_COLUMN = 20
FILTER_NAMES = ("q", "owner", "owner_user", "team", "territory", "close_month", "product")


def _filters(data: QueryDict) -> QueryDict:
    """Only the board's filters of a request (a move posts them beside its own fields)."""
    kept = QueryDict(mutable=True)
    for name in FILTER_NAMES:
        value = data.get(name)
        if isinstance(value, str) and value:
            kept[name] = value
    return kept


def _pipeline_or_404(pk: int) -> Pipeline:
    pipeline = selectors.pipeline_list().filter(pk=pk).first()
    if pipeline is None:
        raise Http404
    return pipeline


def _board_queryset(request: TenantRequest, pipeline: Pipeline, data: QueryDict) -> QuerySet[Opportunity]:
    return BoardFilter(data, membership=request.membership).qs.filter(pipeline=pipeline)


def _card(opportunity: Opportunity) -> dict[str, Any]:
    return {
        "opportunity": opportunity,
        "amount": format_money(opportunity.amount, opportunity.currency)
        if opportunity.amount is not None
        else "",
        "is_overdue": opportunity.is_overdue,
    }


def _totals(entry: dict[str, Any] | None) -> dict[str, Any]:
    entry = entry or {"count": 0, "amounts": []}
    return {
        "count": entry["count"],
        "amounts": [
            {
                "amount": format_money(item["amount"], item["currency"]),
                "weighted": format_money(item["weighted"], item["currency"]),
            }
            for item in entry["amounts"]
        ],
    }


def _columns(
    queryset: QuerySet[Opportunity], stages: list[Stage], *, only: set[int] | None = None
) -> list[dict[str, Any]]:
    """The columns (all, or the stages in `only`) with their first cards and totals: two queries."""
    wanted = [stage for stage in stages if only is None or stage.pk in only]
    ids = [stage.pk for stage in wanted]
    totals = selectors.stage_totals(queryset.filter(stage_id__in=ids))
    ranked = (
        queryset.filter(stage_id__in=ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[F("expected_close_date").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=CARDS_PER_COLUMN + 1)
        .order_by("stage_id", "rank")
    )
    cards: dict[int, list[Opportunity]] = {stage_id: [] for stage_id in ids}
    for opportunity in ranked:
        cards[opportunity.stage_id].append(opportunity)
    columns = []
    for stage in wanted:
        rows = cards[stage.pk]
        more = len(rows) > CARDS_PER_COLUMN
        rows = rows[:CARDS_PER_COLUMN]
        cursor = None
        if more:
            last = rows[-1]
            cursor = encode_cursor([last.expected_close_date.isoformat(), last.pk])
        columns.append(
            {
                "stage": stage,
                "cards": [_card(row) for row in rows],
                "totals": _totals(totals.get(stage.pk)),
                "after": cursor,
            }
        )
    return columns


def _context(request: TenantRequest, pipeline: Pipeline, data: QueryDict) -> dict[str, Any]:
    stages = selectors.pipeline_stages(pipeline)
    filters = _filters(data)
    return {
        "pipeline": pipeline,
        "stages": stages,
        "filter_query": filters.urlencode(),
        "filters": filters,
        "may_change": request.user.has_perm("opportunities.change_opportunity"),
        "user_id": request.user.pk,
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def board_default(request: TenantRequest) -> HttpResponse:
    require(request, "opportunities.view_opportunity")
    pipeline = selectors.pipeline_list().filter(is_default=True).first() or selectors.pipeline_list().first()
    if pipeline is None:
        pipeline = services.pipeline_defaults_ensure(tenant=request.tenant)
    query = request.GET.urlencode()
    return HttpResponseRedirect(
        reverse("opportunities:board", args=[pipeline.pk]) + (f"?{query}" if query else "")
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def board(request: TenantRequest, pipeline_pk: int) -> HttpResponse:
    require(request, "opportunities.view_opportunity")
    pipeline = _pipeline_or_404(pipeline_pk)
    context = _context(request, pipeline, request.GET)
    filterset = BoardFilter(request.GET, membership=request.membership)
    queryset = filterset.qs.filter(pipeline=pipeline)
    context.update(
        filter=filterset,
        is_filtered=bool(context["filters"]),
        pipelines=list(selectors.pipeline_list()),
        columns=_columns(queryset, context["stages"]),
        may_add=request.user.has_perm("opportunities.add_opportunity"),
    )
    return render(request, "opportunities/board.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def board_more(request: TenantRequest, pipeline_pk: int, stage_pk: int) -> HttpResponse:
    """The next cards of one column (htmx "more"), by keyset after the last card shown."""
    require(request, "opportunities.view_opportunity")
    pipeline = _pipeline_or_404(pipeline_pk)
    stage = Stage.objects.filter(pk=stage_pk, pipeline=pipeline).first()
    if stage is None:
        raise Http404
    context = _context(request, pipeline, request.GET)
    page = keyset_page(
        _board_queryset(request, pipeline, request.GET).filter(stage=stage),
        order=("expected_close_date", "id"),
        descending=False,
        cursor=request.GET.get("after", ""),
        size=CARDS_PER_COLUMN,
    )
    links = page_links(request, page)
    context.update(
        column={"stage": stage, "cards": [_card(row) for row in page.rows]}, next_url=links["next_url"]
    )
    return render(request, "opportunities/board.html#more", context)


def _stage_for_move(opportunity: Opportunity, value: Any) -> Stage:
    stage = Stage.objects.filter(pk=value or 0, pipeline_id=opportunity.pipeline_id, is_active=True).first()
    if stage is None:
        raise Http404
    return stage


@login_required
@require_POST
def board_move(request: TenantRequest, pk: int) -> HttpResponse:
    """Move a card (htmx). Answers the changed columns (out of band), the form of the fields the stage
    asks for, or the refusal's message; without htmx, back to the board."""
    require(request, "opportunities.view_opportunity")
    opportunity = opportunity_or_404(request, pk)
    require(request, "opportunities.change_opportunity", opportunity)
    move = MoveForm(request.POST)
    if not move.is_valid():
        raise Http404
    stage = _stage_for_move(opportunity, move.cleaned_data["stage"])
    pipeline = opportunity.pipeline
    context = _context(request, pipeline, request.POST)
    values: dict[str, Any] = {}
    missing_form = None
    if request.POST.get("with_fields"):
        names = services.pipeline.missing_fields_for(opportunity, stage)
        missing_form = MissingFieldsForm(request.POST, opportunity=opportunity, names=names)
        if not missing_form.is_valid():
            context.update(opportunity=opportunity, target=stage, form=missing_form)
            return _answer(
                request, "opportunities/board.html#missing-fields", context, outcome="missing_fields"
            )
        values = missing_form.values()
    previous_stage_id = opportunity.stage_id
    try:
        services.opportunity_move_stage(
            opportunity=opportunity,
            stage=stage,
            actor=request.user,
            values=values,
            expected_version=move.cleaned_data["version"],
        )
    except services.MissingRequiredFields as missing:
        form = MissingFieldsForm(
            opportunity=opportunity,
            names=missing.fields,
            initial={"stage": stage.pk, "version": move.cleaned_data["version"]},
        )
        context.update(opportunity=opportunity, target=stage, form=form, message=" ".join(missing.messages))
        return _answer(request, "opportunities/board.html#missing-fields", context, outcome="missing_fields")
    except ValidationError as refusal:
        context.update(message=" ".join(refusal.messages), opportunity=opportunity)
        return _answer(request, "opportunities/board.html#refusal", context, outcome="refused")
    queryset = _board_queryset(request, pipeline, context["filters"])
    context["columns"] = _columns(queryset, context["stages"], only={previous_stage_id, stage.pk})
    return _answer(request, "opportunities/board.html#moved", context, outcome="moved")


def _answer(request: TenantRequest, template: str, context: dict[str, Any], *, outcome: str) -> HttpResponse:
    if not getattr(request, "htmx", False):
        # Without JavaScript the card's form posts here: back to the board (the detail page shows
        # refusals; the missing fields form works through htmx, or through the edit page).
        pipeline = context["pipeline"]
        query = context["filter_query"]
        return HttpResponseRedirect(
            reverse("opportunities:board", args=[pipeline.pk]) + (f"?{query}" if query else "")
        )
    # 200 even for a refusal: htmx swaps only 2xx answers, and the dialog or message is meant to show.
    # The header tells scripts and tests what happened.
    response = render(request, template, context)
    response["X-Move-Outcome"] = outcome
    return response
