"""Opportunity pages: list, detail, create, edit, delete, contact roles and products. Thin: parse,
call one selector or service, map its errors, render. A record the member may not see answers 404,
like one of another tenant; a visible record the role may not change answers 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Account, Contact
from crm.history_display import HISTORY_SIZE, history_entries
from crm.http import TenantRequest
from crm.models import User
from crm.money import format_money
from crm.pagination import keyset_page, page_links
from crm.panels import panels_for
from crm.saved_views import saved_list_state
from opportunities import selectors, services
from opportunities.forms import ContactRoleForm, OpportunityForm, ProductForm
from opportunities.models import LossReason, Opportunity, Stage

PAGE_SIZE = 50

OPPORTUNITY_LIST_KEY = "opportunities.opportunity"
LIST_FILTERS = (
    "q",
    "pipeline",
    "stage",
    "status",
    "owner",
    "owner_user",
    "team",
    "territory",
    "close_month",
    "product",
)
TABS = ("overview", "history")


def require(request: TenantRequest, permission: str, obj: Any = None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


def opportunity_or_404(request: TenantRequest, pk: int) -> Opportunity:
    try:
        return selectors.opportunity_get(membership=request.membership, pk=pk)
    except Opportunity.DoesNotExist:
        raise Http404 from None


def money(amount: Any, currency: str) -> str:
    return format_money(amount, currency) if amount is not None else "—"


@login_required
@require_http_methods(["GET", "HEAD"])
def opportunity_list(request: TenantRequest) -> HttpResponse:
    require(request, "opportunities.view_opportunity")
    saved = saved_list_state(request=request, list_key=OPPORTUNITY_LIST_KEY)
    page = keyset_page(
        saved.filterset.qs,
        order=("expected_close_date", "id"),
        descending=False,
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
    )
    rows = [
        {
            "opportunity": opportunity,
            "amount": money(opportunity.amount, opportunity.currency),
            "is_overdue": opportunity.is_overdue,
        }
        for opportunity in page.rows
    ]
    context = {
        "filter": saved.filterset,
        "saved": saved,
        "rows": rows,
        "is_filtered": any(saved.query.get(name) for name in LIST_FILTERS),
        "may_add": request.user.has_perm("opportunities.add_opportunity"),
        "pipelines": list(selectors.pipeline_list()),
        **page_links(request, page, saved.link_query),
    }
    return render(request, "opportunities/opportunity_list.html", context)


def _stage_path(opportunity: Opportunity) -> list[dict[str, Any]]:
    stages = selectors.pipeline_stages(opportunity.pipeline)
    current = next((index for index, stage in enumerate(stages) if stage.pk == opportunity.stage_id), -1)
    return [
        {"stage": stage, "is_current": index == current, "is_done": index < current and not stage.is_closed}
        for index, stage in enumerate(stages)
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def opportunity_detail(request: TenantRequest, pk: int) -> HttpResponse:
    require(request, "opportunities.view_opportunity")
    opportunity = opportunity_or_404(request, pk)
    tab = request.GET.get("tab", "overview")
    if tab not in TABS:
        tab = "overview"
    may_change = request.user.has_perm("opportunities.change_opportunity", opportunity)
    context: dict[str, Any] = {
        "opportunity": opportunity,
        "tab": tab,
        "tabs": [("overview", _("Overview")), ("history", _("History"))],
        "may_change": may_change,
        "may_delete": request.user.has_perm("opportunities.delete_opportunity", opportunity),
        "amount": money(opportunity.amount, opportunity.currency),
        "weighted": money(opportunity.weighted_amount, opportunity.currency),
        "is_overdue": opportunity.is_overdue,
        "account_visible": Account.objects.visible_to(request.membership)
        .filter(pk=opportunity.account_id)
        .exists(),
    }
    if tab == "overview":
        context.update(
            panels=panels_for(request, opportunity),  # other apps' panels (crm.panels): open tasks…
            path=_stage_path(opportunity),
            move_stages=[
                stage
                for stage in selectors.pipeline_stages(opportunity.pipeline)
                if stage.pk != opportunity.stage_id
            ],
            contact_roles=list(
                opportunity.contact_roles.select_related("contact").order_by("contact__last_name")
            ),
            products=[
                {"row": row, "unit_price": money(row.unit_price, opportunity.currency)}
                for row in opportunity.products.select_related("product").order_by("product__name")
            ],
            competitors=list(opportunity.competitors.all()),
            stage_changes=[
                {"change": change, "amount": money(change.amount, change.currency)}
                for change in selectors.stage_changes_of(opportunity)[:HISTORY_SIZE]
            ],
            contact_role_form=ContactRoleForm(opportunity=opportunity) if may_change else None,
            product_form=ProductForm() if may_change else None,
        )
    else:
        records = list(
            opportunity.history.select_related("history_user").order_by("-history_date", "-history_id")[
                : HISTORY_SIZE + 1
            ]
        )
        context["history"] = history_entries(
            records,
            Opportunity,
            {
                "owner": User.objects.all(),
                "account": Account.objects.visible_to(request.membership),
                "primary_contact": Contact.objects.visible_to(request.membership),
                "pipeline": selectors.pipeline_list(),
                "stage": Stage.objects.all(),
                "loss_reason": LossReason.objects.all(),
            },
            hidden=("probability_overridden", "stage_entered_at", "closed_at", "created_at"),
        )
    return render(request, "opportunities/opportunity_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def opportunity_create(request: TenantRequest) -> HttpResponse:
    require(request, "opportunities.add_opportunity")
    initial: dict[str, Any] = {"owner": request.user.pk, "currency": request.tenant.currency}
    account_id = request.GET.get("account", "")
    if account_id.isdigit():
        account = Account.objects.visible_to(request.membership).filter(pk=int(account_id)).first()
        if account is not None:
            initial.update(account=account.pk, currency=account.currency or request.tenant.currency)
    form = OpportunityForm(
        request.POST if request.method == "POST" else None, membership=request.membership, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        competitors = list(data.pop("competitors", []))
        data.pop("version", None)
        try:
            opportunity = services.opportunity_create(
                tenant=request.tenant,
                actor=request.user,
                account=data.pop("account"),
                name=data.pop("name"),
                expected_close_date=data.pop("expected_close_date"),
                pipeline=data.pop("pipeline") or (data["stage"].pipeline if data.get("stage") else None),
                **data,
            )
            if competitors:
                services.opportunity_update(
                    opportunity=opportunity, actor=request.user, data={"competitors": competitors}
                )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The opportunity was created."))
            return HttpResponseRedirect(reverse("opportunities:opportunity_detail", args=[opportunity.pk]))
    return render(request, "opportunities/opportunity_form.html", {"form": form, "opportunity": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def opportunity_update(request: TenantRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_or_404(request, pk)
    require(request, "opportunities.change_opportunity", opportunity)
    form = OpportunityForm(
        request.POST if request.method == "POST" else None,
        instance=opportunity,
        membership=request.membership,
        initial={"version": opportunity.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(
                opportunity=opportunity,
                actor=request.user,
                data=form.update_data(),
                expected_version=form.cleaned_data.get("version"),
                role=request.membership.role,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The opportunity was saved."))
            return HttpResponseRedirect(reverse("opportunities:opportunity_detail", args=[opportunity.pk]))
    return render(request, "opportunities/opportunity_form.html", {"form": form, "opportunity": opportunity})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def opportunity_delete(request: TenantRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_or_404(request, pk)
    require(request, "opportunities.delete_opportunity", opportunity)
    error = ""
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            services.opportunity_delete(
                opportunity=opportunity,
                actor=request.user,
                expected_version=int(version) if version.isdigit() else None,
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, _("The opportunity was deleted."))
            return HttpResponseRedirect(reverse("opportunities:opportunity_list"))
    return render(request, "opportunities/confirm_delete.html", {"opportunity": opportunity, "error": error})


def _back(opportunity: Opportunity) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("opportunities:opportunity_detail", args=[opportunity.pk]))


@login_required
@require_POST
def opportunity_move(request: TenantRequest, pk: int) -> HttpResponse:
    """The detail page's "move to" form; the kanban has its own (htmx) answer."""
    opportunity = opportunity_or_404(request, pk)
    require(request, "opportunities.change_opportunity", opportunity)
    stage = Stage.objects.filter(
        pk=request.POST.get("stage") or 0, pipeline_id=opportunity.pipeline_id
    ).first()
    if stage is None:
        raise Http404
    version = request.POST.get("version", "")
    try:
        services.opportunity_move_stage(
            opportunity=opportunity,
            stage=stage,
            actor=request.user,
            expected_version=int(version) if version.isdigit() else None,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(
            reverse("opportunities:board", args=[opportunity.pipeline_id])
            + f"?open={opportunity.pk}&to={stage.pk}"
            if isinstance(error, services.MissingRequiredFields)
            else reverse("opportunities:opportunity_detail", args=[opportunity.pk])
        )
    messages.success(request, _("The opportunity moved to “%(stage)s”.") % {"stage": stage.name})
    return _back(opportunity)


@login_required
@require_POST
def contact_role_add(request: TenantRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_or_404(request, pk)
    require(request, "opportunities.change_opportunity", opportunity)
    form = ContactRoleForm(request.POST, opportunity=opportunity)
    if form.is_valid():
        try:
            services.opportunity_contact_role_set(
                opportunity=opportunity,
                contact=form.cleaned_data["contact"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Choose a contact of the account and a role."))
    return _back(opportunity)


@login_required
@require_POST
def contact_role_remove(request: TenantRequest, pk: int, role_pk: int) -> HttpResponse:
    opportunity = opportunity_or_404(request, pk)
    require(request, "opportunities.change_opportunity", opportunity)
    try:
        services.opportunity_contact_role_remove(
            opportunity=opportunity, contact_role_id=role_pk, actor=request.user
        )
    except ValidationError:
        raise Http404 from None
    return _back(opportunity)


@login_required
@require_POST
def product_add(request: TenantRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_or_404(request, pk)
    require(request, "opportunities.change_opportunity", opportunity)
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            services.opportunity_product_set(opportunity=opportunity, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _back(opportunity)


@login_required
@require_POST
def product_remove(request: TenantRequest, pk: int, product_pk: int) -> HttpResponse:
    opportunity = opportunity_or_404(request, pk)
    require(request, "opportunities.change_opportunity", opportunity)
    try:
        services.opportunity_product_remove(
            opportunity=opportunity, product_row_id=product_pk, actor=request.user
        )
    except ValidationError:
        raise Http404 from None
    return _back(opportunity)
