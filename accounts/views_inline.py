"""Inline edit of the overview fields of an account and of a contact (the flow is `crm.inline`).

The one-field form is `AccountForm` / `ContactForm` built whole, then restricted: whatever their
`__init__` decides (field policies, per-tenant field rules, choices limited to what the member may
see) applies here too. The save goes through `services.account_update` / `services.contact_update`,
with the version check. Like the edit pages: a record the member may not see is a 404, a visible one
the role may not change a 403; a field that is not editable inline for this member is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import identifiers, services
from accounts.forms import AccountForm, ContactForm
from accounts.models import Account, Contact
from accounts.views import (
    TenantRequest,
    _account_or_404,
    _contact_or_404,
    _require,
    format_money,
    format_phone,
    naf_display,
)
from crm.inline import InlineEdit, InlineItem, editable_fields, inline_edit_response
from governance.field_policies import hidden_fields, locked_fields, readable_sensitive_fields, record_reads

# The overview fields that may be edited in place, with their labels on the page. Computed ones (the
# relationship status) are not here; parent and partner companies keep the full edit page.
ACCOUNT_INLINE_FIELDS = {
    "legal_name": gettext_lazy("Legal name"),
    "trade_name": gettext_lazy("Trade name"),
    "legal_form": gettext_lazy("Legal form"),
    "siren": gettext_lazy("SIREN"),
    "siret": gettext_lazy("SIRET"),
    "vat_number": gettext_lazy("VAT number"),
    "naf_code": gettext_lazy("NAF/APE code"),
    "website": gettext_lazy("Website"),
    "account_type": gettext_lazy("Type"),
    "segment": gettext_lazy("Segment"),
    "revenue_band": gettext_lazy("Revenue band"),
    "headcount_band": gettext_lazy("Headcount"),
    "origin": gettext_lazy("Origin"),
    "owner": gettext_lazy("Owner"),
    "customer_revenue": gettext_lazy("Customer revenue"),
    "estimated_potential": gettext_lazy("Estimated potential"),
    "last_purchase_date": gettext_lazy("Last purchase"),
}
CONTACT_INLINE_FIELDS = {
    "job_title": gettext_lazy("Job title"),
    "department": gettext_lazy("Department"),
    "team": gettext_lazy("Team"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Direct phone"),
    "mobile": gettext_lazy("Mobile"),
    "do_not_call": gettext_lazy("Do not call"),
    "preferred_channels": gettext_lazy("Preferred channels"),
    "contact_frequency": gettext_lazy("Contact frequency"),
    "owner": gettext_lazy("Owner"),
}


def _choice_text(record: Any, name: str) -> str:
    return str(getattr(record, f"get_{name}_display")()) if getattr(record, name) else ""


def _account_text(account: Account, name: str, request: TenantRequest) -> tuple[str, str]:
    """(text, link) of one field as the overview shows it."""
    value = getattr(account, name)
    if name == "siren":
        return (identifiers.format_siren(value) if value else ""), ""
    if name == "siret":
        return (identifiers.format_siret(value) if value else ""), ""
    if name == "naf_code":
        return naf_display(account), ""
    if name == "website":
        return value, value
    if name in ("legal_form", "account_type", "revenue_band", "headcount_band", "origin"):
        return _choice_text(account, name), ""
    if name in ("customer_revenue", "estimated_potential"):
        return format_money(value, account.currency), ""
    if name == "last_purchase_date":
        return (formats.date_format(value, "DATE_FORMAT") if value else ""), ""
    return ("" if value is None else str(value)), ""


def _contact_text(contact: Contact, name: str, request: TenantRequest) -> tuple[str, str]:
    value = getattr(contact, name)
    if name == "email":
        return value, f"mailto:{value}" if value else ""
    if name in ("phone", "mobile"):
        return format_phone(value, request.tenant), f"tel:{value}" if value else ""
    if name == "do_not_call":
        return (_("Yes: never call this person for prospecting.") if value else _("No")), ""
    if name == "preferred_channels":
        return ", ".join(str(Contact.Channel(item).label) for item in value or []), ""
    if name == "contact_frequency":
        return _choice_text(contact, name), ""
    return ("" if value is None else str(value)), ""


def account_inline_items(
    request: TenantRequest, account: Account, *, may_change: bool, hidden: set[str]
) -> dict[str, InlineItem]:
    """The overview's inline fields of an account, each with its "Edit" link when the member may
    edit it. Fields the role may not read (`hidden`) are left out."""
    editable: set[str] = set()
    if may_change:
        form = AccountForm(instance=account, membership=request.membership)
        editable = editable_fields(
            form, ACCOUNT_INLINE_FIELDS, locked_fields(request.membership.role, Account)
        )
    return _account_items(request, account, editable, hidden=hidden)


def _account_items(
    request: TenantRequest, account: Account, editable: set[str], *, hidden: set[str] | None = None
) -> dict[str, InlineItem]:
    if hidden is None:
        hidden = hidden_fields(request.membership.role, Account)
    fallback = reverse("accounts:account_update", args=[account.pk])
    items = {}
    for name, label in ACCOUNT_INLINE_FIELDS.items():
        if name in hidden:
            continue
        text, href = _account_text(account, name, request)
        items[name] = InlineItem(
            name=name,
            label=label,
            text=text,
            href=href,
            is_external=name == "website",
            edit_url=reverse("accounts:account_inline", args=[account.pk, name]) if name in editable else "",
            fallback_url=fallback,
        )
    return items


def contact_inline_items(
    request: TenantRequest, contact: Contact, *, may_change: bool
) -> dict[str, InlineItem]:
    editable: set[str] = set()
    if may_change:
        form = ContactForm(instance=contact, membership=request.membership)
        editable = editable_fields(
            form, CONTACT_INLINE_FIELDS, locked_fields(request.membership.role, Contact)
        )
    return _contact_items(request, contact, editable)


def _contact_items(request: TenantRequest, contact: Contact, editable: set[str]) -> dict[str, InlineItem]:
    hidden = hidden_fields(request.membership.role, Contact)
    fallback = reverse("accounts:contact_update", args=[contact.pk])
    items = {}
    for name, label in CONTACT_INLINE_FIELDS.items():
        if name in hidden:
            continue
        text, href = _contact_text(contact, name, request)
        items[name] = InlineItem(
            name=name,
            label=label,
            text=text,
            href=href,
            edit_url=reverse("accounts:contact_inline", args=[contact.pk, name]) if name in editable else "",
            fallback_url=fallback,
        )
    return items


def _read_logger(request: TenantRequest, model: type[Account] | type[Contact]) -> Callable[[Any, str], None]:
    """Log the display of a sensitive field in a fragment, as the detail page does for the page."""
    readable = readable_sensitive_fields(request.membership.role, model)

    def log(record: Account | Contact, name: str) -> None:
        if name in readable:
            record_reads(user=request.user, objects=[record], fields=[name])

    return log


def _without_htmx(request: TenantRequest, fallback: str) -> HttpResponse | None:
    """A plain GET (no htmx, e.g. a link opened in a new tab) goes to the full edit page."""
    if request.method != "POST" and not request.htmx and "display" not in request.GET:  # type: ignore[attr-defined]
        return HttpResponseRedirect(fallback)
    return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_inline(request: TenantRequest, pk: int, field: str) -> HttpResponse:
    account = _account_or_404(request, pk)
    _require(request, "accounts.change_account", account)
    redirect = _without_htmx(request, reverse("accounts:account_update", args=[account.pk]))
    if redirect is not None:
        return redirect
    membership = request.membership

    def make_form(instance: Account, data: QueryDict | None, initial: dict[str, Any]) -> AccountForm:
        return AccountForm(data, instance=instance, membership=membership, initial=initial)

    def save(record: Account, data: dict[str, Any], expected_version: int) -> tuple[Account, list[str]]:
        outcome = services.account_update(
            account=record,
            actor=request.user,
            data=data,
            expected_version=expected_version,
            role=membership.role,
        )
        return outcome.record, outcome.warnings

    return inline_edit_response(
        request,
        InlineEdit(
            record=account,
            field=field,
            make_form=make_form,  # type: ignore[arg-type]
            candidates=ACCOUNT_INLINE_FIELDS,
            locked=locked_fields(membership.role, Account),
            items=lambda record, editable: _account_items(request, record, editable),
            save=save,
            reload=lambda: _account_or_404(request, pk),
            stale_message=_(
                "Someone else changed this account since you opened the page: here is the current"
                " value. Reload the page to see all their changes."
            ),
            stale_code=services.STALE_VERSION,
            on_display=_read_logger(request, Account),
        ),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_inline(request: TenantRequest, pk: int, field: str) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    _require(request, "accounts.change_contact", contact)
    redirect = _without_htmx(request, reverse("accounts:contact_update", args=[contact.pk]))
    if redirect is not None:
        return redirect
    membership = request.membership

    def make_form(instance: Contact, data: QueryDict | None, initial: dict[str, Any]) -> ContactForm:
        return ContactForm(data, instance=instance, membership=membership, initial=initial)

    def save(record: Contact, data: dict[str, Any], expected_version: int) -> tuple[Contact, list[str]]:
        outcome = services.contact_update(
            contact=record,
            actor=request.user,
            data=data,
            expected_version=expected_version,
            role=membership.role,
        )
        return outcome.record, outcome.warnings

    return inline_edit_response(
        request,
        InlineEdit(
            record=contact,
            field=field,
            make_form=make_form,  # type: ignore[arg-type]
            candidates=CONTACT_INLINE_FIELDS,
            locked=locked_fields(membership.role, Contact),
            items=lambda record, editable: _contact_items(request, record, editable),
            save=save,
            reload=lambda: _contact_or_404(request, pk),
            stale_message=_(
                "Someone else changed this contact since you opened the page: here is the current"
                " value. Reload the page to see all their changes."
            ),
            stale_code=services.STALE_VERSION,
            on_display=_read_logger(request, Contact),
        ),
    )
