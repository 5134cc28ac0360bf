"""Lead pages: list, detail (SLA, history, qualification and actions), create and edit, actions.

A lead the member may not see answers 404; a visible lead the role may not change answers 403.
Leads of the queue (no owner) may be worked by whoever sees them and may change leads.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Account, Contact
from crm.history_display import history_entries
from crm.http import TenantRequest
from crm.models import User
from crm.pagination import keyset_page, page_links
from crm.panels import panels_for
from leads import selectors, services
from leads.forms import AssignForm, ConvertForm, DisqualifyForm, LeadForm, QualificationForm
from leads.models import Lead, LeadSource

PAGE_SIZE = 50


def _lead_or_404(request: TenantRequest, pk: int) -> Lead:
    if not request.user.has_perm("leads.view_lead"):
        raise PermissionDenied  # a role without leads (support, finance): no lead exists for it
    try:
        return selectors.lead_get(membership=request.membership, pk=pk)
    except Lead.DoesNotExist:
        raise Http404 from None


def may_change(request: TenantRequest, lead: Lead) -> bool:
    """The role's reach over the owner, or any lead of the queue the member can see."""
    if lead.owner_id is None:
        return request.user.has_perm("leads.change_lead")
    return request.user.has_perm("leads.change_lead", lead)


def _require_change(request: TenantRequest, lead: Lead) -> None:
    if not may_change(request, lead):
        raise PermissionDenied


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
@require_http_methods(["GET", "HEAD"])
def lead_list(request: TenantRequest) -> HttpResponse:
    if not request.user.has_perm("leads.view_lead"):
        raise PermissionDenied
    queryset = selectors.lead_list(membership=request.membership, filters=request.GET)
    page = keyset_page(
        queryset,
        order=("created_at", "id"),
        descending=True,
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
    )
    context = {
        "leads": page.rows,
        "now": timezone.now(),
        "statuses": Lead.Status.choices,
        "sources": LeadSource.objects.order_by("position", "name"),
        "query": request.GET,
        "is_filtered": any(
            request.GET.get(name) for name in ("status", "source", "owner", "sla", "queue", "q")
        ),
        "may_add": request.user.has_perm("leads.add_lead"),
        **page_links(request, page),
    }
    return render(request, "leads/lead_list.html", context)


def _detail_context(request: TenantRequest, lead: Lead, **forms: Any) -> dict[str, Any]:
    records = list(lead.history.select_related("history_user").order_by("-history_date", "-history_id")[:51])  # type: ignore[attr-defined]
    history = history_entries(
        records, Lead, {"owner": User.objects.all(), "source": LeadSource.objects.all()}
    )
    changeable = may_change(request, lead)
    context: dict[str, Any] = {
        "lead": lead,
        "now": timezone.now(),
        "history": history,
        "consents": list(lead.consents.order_by("purpose")),
        "may_change": changeable and lead.status != Lead.Status.CONVERTED,
        "may_convert": changeable and lead.is_open and request.user.has_perm("accounts.add_account"),
        "missing": services.conversion_missing(lead) if lead.is_open else [],
        "qualification_form": forms.get("qualification_form")
        or QualificationForm(initial=_qualification_initial(lead)),
        "disqualify_form": forms.get("disqualify_form") or DisqualifyForm(),
        "assign_form": forms.get("assign_form") or AssignForm(initial={"owner": lead.owner_id}),
        "panels": panels_for(request, lead),
    }
    return context


def _qualification_initial(lead: Lead) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(lead, name) for name in ("budget", "authority", "need", "timeline")
    }
    for key, value in (lead.qualification_answers or {}).items():
        initial[f"answer_{key}"] = value
    initial["version"] = lead.version
    return initial


@login_required
@require_http_methods(["GET", "HEAD"])
def lead_detail(request: TenantRequest, pk: int) -> HttpResponse:
    lead = _lead_or_404(request, pk)
    return render(request, "leads/lead_detail.html", _detail_context(request, lead))


def _redirect(lead: Lead) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("leads:lead_detail", args=[lead.pk]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_create(request: TenantRequest) -> HttpResponse:
    if not request.user.has_perm("leads.add_lead"):
        raise PermissionDenied
    form = LeadForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(
                tenant=request.tenant,
                actor=request.user,
                data=form.service_data(),
                role=request.membership.role,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Lead created."))
            return _redirect(lead)
    return render(request, "leads/lead_form.html", {"form": form, "lead": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_update(request: TenantRequest, pk: int) -> HttpResponse:
    lead = _lead_or_404(request, pk)
    _require_change(request, lead)
    form = LeadForm(
        request.POST or None, instance=lead, membership=request.membership, initial={"version": lead.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_update(
                lead=lead,
                actor=request.user,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
                role=request.membership.role,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Lead saved."))
            return _redirect(lead)
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead})


def _action(request: TenantRequest, pk: int, run: Any, success: str) -> HttpResponse:
    lead = _lead_or_404(request, pk)
    _require_change(request, lead)
    try:
        run(lead)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, success)
    return _redirect(lead)


@login_required
@require_POST
def lead_first_contact(request: TenantRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, lambda lead: services.lead_log_first_contact(lead=lead, actor=request.user),
        _("First contact logged: the clock is stopped."),
    )  # fmt: skip


@login_required
@require_POST
def lead_qualify(request: TenantRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, lambda lead: services.lead_qualify(lead=lead, actor=request.user), _("Lead qualified.")
    )


@login_required
@require_POST
def lead_qualification(request: TenantRequest, pk: int) -> HttpResponse:
    lead = _lead_or_404(request, pk)
    _require_change(request, lead)
    form = QualificationForm(request.POST)
    if form.is_valid():
        try:
            services.lead_qualification_save(
                lead=lead, actor=request.user, data=form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Qualification saved."))
            return _redirect(lead)
    return render(
        request, "leads/lead_detail.html", _detail_context(request, lead, qualification_form=form), status=400
    )


@login_required
@require_POST
def lead_disqualify(request: TenantRequest, pk: int) -> HttpResponse:
    lead = _lead_or_404(request, pk)
    _require_change(request, lead)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            services.lead_disqualify(
                lead=lead,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Lead marked unqualified."))
            return _redirect(lead)
    return render(
        request, "leads/lead_detail.html", _detail_context(request, lead, disqualify_form=form), status=400
    )


@login_required
@require_POST
def lead_assign(request: TenantRequest, pk: int) -> HttpResponse:
    lead = _lead_or_404(request, pk)
    _require_change(request, lead)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return render(
            request, "leads/lead_detail.html", _detail_context(request, lead, assign_form=form), status=400
        )
    try:
        services.lead_assign(lead=lead, actor=request.user, owner=form.cleaned_data["owner"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Lead assigned."))
    return _redirect(lead)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_convert(request: TenantRequest, pk: int) -> HttpResponse:
    """Shows the account and contact the duplicate rules found (those the member may see) and lets the
    member pick one of them or new ones."""
    lead = _lead_or_404(request, pk)
    _require_change(request, lead)
    if not request.user.has_perm("accounts.add_account"):
        raise PermissionDenied
    membership = request.membership
    found_accounts = [item.record for item in services.conversion_account_candidates(lead)]
    if lead.known_contact_id is not None:
        found_accounts.insert(0, lead.known_contact.account)  # type: ignore[union-attr]
    accounts = list(Account.objects.visible_to(membership).filter(pk__in=[a.pk for a in found_accounts]))  # type: ignore[attr-defined]
    accounts.sort(key=lambda account: [a.pk for a in found_accounts].index(account.pk))
    found_contacts = [item.record for item in services.conversion_contact_candidates(lead)]
    contacts = list(
        Contact.objects.visible_to(membership)
        .select_related("account")
        .filter(pk__in=[c.pk for c in found_contacts])  # type: ignore[attr-defined]
    )
    form = ConvertForm(request.POST or None, accounts=accounts, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        account_choice, contact_choice = form.cleaned_data["account"], form.cleaned_data["contact"]
        account = next((a for a in accounts if str(a.pk) == account_choice), None)
        contact = next((c for c in contacts if str(c.pk) == contact_choice), None)
        try:
            conversion = services.lead_convert(
                lead=lead,
                actor=request.user,
                account=account,
                contact=contact,
                new_account=account_choice == ConvertForm.NEW,
                new_contact=contact_choice == ConvertForm.NEW,
                create_opportunity=form.cleaned_data["create_opportunity"],
                opportunity_data={
                    "name": form.cleaned_data["opportunity_name"],
                    "amount": form.cleaned_data["opportunity_amount"],
                    "expected_close_date": form.cleaned_data["expected_close_date"],
                },
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Lead converted into %(account)s.") % {"account": conversion.account})
            return HttpResponseRedirect(reverse("accounts:account_detail", args=[conversion.account.pk]))
    context = {"lead": lead, "form": form, "missing": services.conversion_missing(lead)}
    return render(request, "leads/lead_convert.html", context, status=400 if form.errors else 200)
