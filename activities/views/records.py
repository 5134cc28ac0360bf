"""Activity pages (/t/<slug>/activities/...): the list with its filters, one activity, "log an
activity" (prefilled from the record it was opened on), edit and delete.

An activity the member may not see answers 404; a visible one the role may not change answers 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import active_member_users
from accounts.models import Account, Contact
from activities import selectors
from activities.forms import ActivityForm
from activities.models import Activity, ActivityType, EmailMessage
from activities.services import ActivityInput, activity_create, activity_delete, activity_update
from activities.services.records import activity_type_default
from crm.http import TenantRequest
from crm.pagination import keyset_page, page_links
from leads.models import Lead
from opportunities.models import Opportunity

PAGE_SIZE = 50
RELATED = ("account", "contact", "lead", "opportunity")


def require(request: TenantRequest, permission: str, obj: Any = None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


def activity_or_404(request: TenantRequest, pk: int) -> Activity:
    require(request, "activities.view_activity")
    try:
        return selectors.activity_get(membership=request.membership, pk=pk)
    except Activity.DoesNotExist:
        raise Http404 from None


def safe_next(request: TenantRequest) -> str:
    """The ?next= address when it stays on this site, else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def record_url(activity: Activity) -> str:
    """The page of the record the activity was logged on (the most precise one)."""
    if activity.opportunity_id:
        return reverse("opportunities:opportunity_detail", args=[activity.opportunity_id])
    if activity.lead_id:
        return reverse("leads:lead_detail", args=[activity.lead_id])
    if activity.account_id:
        return reverse("accounts:account_detail", args=[activity.account_id])
    return reverse("activities:activity_detail", args=[activity.pk])


@login_required
@require_http_methods(["GET", "HEAD"])
def activity_list(request: TenantRequest) -> HttpResponse:
    require(request, "activities.view_activity")
    queryset = selectors.activity_list(membership=request.membership, filters=request.GET)
    page = keyset_page(
        queryset,
        order=("starts_at", "id"),
        descending=True,
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
    )
    context = {
        "activities": page.rows,
        "types": list(ActivityType.objects.order_by("position", "id")),
        "owners": list(active_member_users()),
        "statuses": Activity.Status.choices,
        "periods": [
            ("today", _("Today")),
            ("week", _("This week")),
            ("month", _("This month")),
            ("past30", _("Last 30 days")),
            ("upcoming", _("Upcoming")),
        ],
        "query": request.GET,
        "is_filtered": any(request.GET.get(name) for name in ("type", "owner", "period", "status")),
        "may_add": request.user.has_perm("activities.add_activity"),
        **page_links(request, page),
    }
    return render(request, "activities/activity_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def activity_detail(request: TenantRequest, pk: int) -> HttpResponse:
    activity = activity_or_404(request, pk)
    context = {
        "activity": activity,
        "contacts": list(activity.contacts.all()),
        "may_change": request.user.has_perm("activities.change_activity", activity),
        "may_delete": request.user.has_perm("activities.delete_activity", activity),
        "record_url": record_url(activity),
        # The e-mail behind an e-mail activity (headers, sanitised HTML, attachments, thread).
        "email_message": EmailMessage.objects.filter(activity=activity).only("pk", "source").first(),
    }
    return render(request, "activities/activity_detail.html", context)


def _visible_or_404(request: TenantRequest, model: Any, value: str) -> Any:
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    found = model.objects.visible_to(request.membership).filter(pk=int(value)).first()
    if found is None:
        raise Http404
    return found


def _prefill(request: TenantRequest) -> tuple[dict[str, Any], int | None]:
    """Initial values from ?account=&contact=&lead=&opportunity=&type= (each a visible record, else
    404), and the account whose contacts are offered."""
    account = _visible_or_404(request, Account, request.GET.get("account", ""))
    contact = _visible_or_404(request, Contact, request.GET.get("contact", ""))
    lead = _visible_or_404(request, Lead, request.GET.get("lead", ""))
    opportunity = _visible_or_404(request, Opportunity, request.GET.get("opportunity", ""))
    account_id = (
        account.pk
        if account is not None
        else (opportunity.account_id if opportunity is not None else None)
        or (contact.account_id if contact is not None else None)
        or (lead.converted_account_id if lead is not None else None)
    )
    # The opportunity's, contact's or converted lead's company, when the member sees it too.
    if (
        account is None
        and account_id is not None
        and not Account.objects.visible_to(request.membership).filter(pk=account_id).exists()
    ):
        account_id = None
    initial: dict[str, Any] = {
        "account": account_id,
        "lead": lead.pk if lead is not None else None,
        "opportunity": opportunity.pk if opportunity is not None else None,
        "contacts": [contact.pk] if contact is not None else [],
    }
    default_type = activity_type_default()  # creates the standard types for a tenant without any
    wanted_type = request.GET.get("type", "")
    types = ActivityType.objects.filter(is_active=True)
    chosen = (
        types.filter(pk=int(wanted_type)).first()
        if wanted_type.isdigit()
        else types.filter(code=wanted_type).first()
        if wanted_type
        else None
    )
    initial["type"] = (chosen or default_type).pk
    return initial, account_id


def _posted_account(request: TenantRequest) -> int | None:
    value = request.POST.get("account", "")
    return int(value) if value.isdigit() else None


def _error(form: ActivityForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _form_context(request: TenantRequest, form: ActivityForm, activity: Activity | None) -> dict[str, Any]:
    if form.is_bound:
        form.forget_refused_records()
    # The related records travel in hidden fields: a record the member may no longer see is said above.
    hidden_errors = [
        _("%(field)s: %(error)s") % {"field": field.label or field.name, "error": error}
        for field in form.hidden_fields()
        for error in field.errors
    ]
    return {
        "form": form,
        "activity": activity,
        "next": safe_next(request),
        "logged_on": _record_name(form),
        "hidden_errors": hidden_errors,
    }


def _record_name(form: ActivityForm) -> list[str]:
    """What the activity is logged on, as shown above the form."""
    names = []
    for name in ("account", "lead", "opportunity"):
        value = form[name].value()
        if value:
            found = form.fields[name].queryset.filter(pk=value).first() if str(value).isdigit() else None  # type: ignore[attr-defined]
            if found is not None:
                names.append(str(found))
    return names


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def activity_create_view(request: TenantRequest) -> HttpResponse:
    require(request, "activities.add_activity")
    if request.method == "POST":
        form = ActivityForm(request.POST, membership=request.membership, account_id=_posted_account(request))
        activity_type_default()  # a tenant without types gets the standard ones
        if form.is_valid():
            data = form.cleaned_data
            try:
                activity = activity_create(
                    data=ActivityInput(
                        type=data["type"],
                        subject=data["subject"],
                        owner=request.user,
                        starts_at=data["starts_at"],
                        duration_minutes=data["duration_minutes"],
                        status=data["status"],
                        description=data["description"],
                        outcome=data["outcome"],
                        location=data["location"],
                        is_private=data["is_private"],
                        account=data["account"],
                        lead=data["lead"],
                        opportunity=data["opportunity"],
                        contacts=list(data["contacts"]),
                    ),
                    actor=request.user,
                )
            except ValidationError as error:
                _error(form, error)
            else:
                messages.success(request, _("Activity logged."))
                return HttpResponseRedirect(safe_next(request) or record_url(activity))
    else:
        initial, account_id = _prefill(request)
        form = ActivityForm(initial=initial, membership=request.membership, account_id=account_id)
    context = _form_context(request, form, None)
    return render(request, "activities/activity_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def activity_update_view(request: TenantRequest, pk: int) -> HttpResponse:
    activity = activity_or_404(request, pk)
    require(request, "activities.change_activity", activity)
    if request.method == "POST":
        form = ActivityForm(request.POST, membership=request.membership, account_id=_posted_account(request))
        if form.is_valid():
            data = dict(form.cleaned_data)
            contacts = list(data.pop("contacts"))
            try:
                activity = activity_update(activity=activity, actor=request.user, contacts=contacts, **data)
            except ValidationError as error:
                _error(form, error)
            else:
                messages.success(request, _("Activity saved."))
                return HttpResponseRedirect(
                    safe_next(request) or reverse("activities:activity_detail", args=[activity.pk])
                )
    else:
        form = ActivityForm(
            initial={
                "type": activity.type_id,
                "subject": activity.subject,
                "status": activity.status,
                "starts_at": activity.starts_at,
                "duration_minutes": activity.duration_minutes,
                "outcome": activity.outcome,
                "location": activity.location,
                "description": activity.description,
                "is_private": activity.is_private,
                "account": activity.account_id,
                "lead": activity.lead_id,
                "opportunity": activity.opportunity_id,
                "contacts": [contact.pk for contact in activity.contacts.all()],
            },
            membership=request.membership,
            account_id=activity.account_id,
        )
    context = _form_context(request, form, activity)
    return render(request, "activities/activity_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def activity_delete_view(request: TenantRequest, pk: int) -> HttpResponse:
    activity = activity_or_404(request, pk)
    require(request, "activities.delete_activity", activity)
    if request.method == "POST":
        target = safe_next(request) or record_url(activity)
        if target == reverse("activities:activity_detail", args=[activity.pk]):
            target = reverse("activities:activity_list")
        activity_delete(activity=activity, actor=request.user)
        messages.success(request, _("Activity deleted."))
        return HttpResponseRedirect(target)
    return render(
        request, "activities/activity_confirm_delete.html", {"activity": activity, "next": safe_next(request)}
    )
