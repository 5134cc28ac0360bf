"""Account and contact pages: parse the input, call one selector or service, map its errors, render.

Every read starts from `accounts.selectors` (record visibility): an account or contact the member may
not see answers 404, like one of another tenant; a visible record the role may not change answers 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import identifiers, selectors, services
from accounts.duplicates import account_duplicates
from accounts.filters import SortOrder
from accounts.forms import AccountForm, ConsentForm, ContactForm
from accounts.models import Account, Address, Consent, Contact, Segment, consolidated_figures
from accounts.revert import may_revert
from crm.history_display import HISTORY_SIZE, history_entries
from crm.http import TenantRequest
from crm.models import Tenant, User
from crm.money import format_money
from crm.pagination import keyset_page, page_links
from crm.panels import panels_for
from crm.saved_views import saved_list_state
from governance.field_policies import hidden_fields, readable_sensitive_fields, record_reads
from governance.models import Territory
from governance.sharing import sharing_rights

PAGE_SIZE = 50
# Keys of the lists in crm.saved_views (registered in AccountsConfig.ready()).
ACCOUNT_LIST_KEY = "accounts.account"
CONTACT_LIST_KEY = "accounts.contact"
GROUP_DEPTH_LIMIT = 20
ACCOUNT_TABS = ("overview", "contacts", "group", "sharing", "history")
ACCOUNT_SORTS = {
    SortOrder.NAME: ("legal_name", False),
    SortOrder.NAME_DESCENDING: ("legal_name", True),
    SortOrder.CREATED: ("created_at", False),
    SortOrder.CREATED_DESCENDING: ("created_at", True),
}
# Bookkeeping columns that change on every save: not worth a line in the history.
HISTORY_NOISE = ("version", "naf_version")
# Context keys of the detail page that carry a sensitive field, and the field they carry.
SENSITIVE_CONTEXT = {
    "customer_revenue": "customer_revenue",
    "consolidated_revenue": "customer_revenue",
    "estimated_potential": "estimated_potential",
    "consolidated_potential": "estimated_potential",
}


def _require(request: TenantRequest, permission: str, obj: models.Model | None = None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


def _possible_duplicates(request: TenantRequest, account: Account) -> list[Any]:
    """Likely duplicates of this account that the member can see (and so may merge)."""
    head_office = next((a for a in account.addresses.all() if a.kind == Address.Kind.HEAD_OFFICE), None)
    data = {
        name: getattr(account, name) for name in ("legal_name", "siren", "siret", "vat_number", "website")
    }
    found = account_duplicates(
        {**data, "postal_code": head_office.postal_code if head_office else ""}, exclude_pk=account.pk
    )
    return _split_visible(request, Account, found)[0]


def _split_visible(
    request: TenantRequest, model: type[Account] | type[Contact], found: list[Any]
) -> tuple[list[Any], int]:
    """The likely duplicates the member may see, and how many others there are (never named)."""
    visible = set(
        model.objects.visible_to(request.membership)  # type: ignore[attr-defined]
        .filter(pk__in=[item.record.pk for item in found])
        .values_list("pk", flat=True)
    )
    shown = [item for item in found if item.record.pk in visible]
    return shown, len(found) - len(shown)


def _account_or_404(request: TenantRequest, pk: int) -> Account:
    try:
        return selectors.account_get(membership=request.membership, pk=pk)
    except Account.DoesNotExist:
        raise Http404 from None


def _contact_or_404(request: TenantRequest, pk: int) -> Contact:
    try:
        return selectors.contact_get(membership=request.membership, pk=pk)
    except Contact.DoesNotExist:
        raise Http404 from None


# Display helpers --------------------------------------------------------------------------------


def format_phone(value: str, tenant: Tenant) -> str:
    return identifiers.format_phone(value, region=tenant.country) if value else ""


def naf_display(account: Account) -> str:
    if not account.naf_code:
        return ""
    try:
        label = identifiers.naf_label(
            account.naf_code, version=account.naf_version or identifiers.NAF_VERSION
        )
    except (ValidationError, KeyError, ValueError):
        return account.naf_code
    return f"{account.naf_code} — {label}"


def relationship_status_label(account: Account) -> str:
    return str(Account.RelationshipStatus(account.relationship_status).label)


def _history_records(obj: Account | Contact) -> list[Any]:
    return list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_SIZE + 1
        ]
    )


# Accounts ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def account_list(request: TenantRequest) -> HttpResponse:
    _require(request, "accounts.view_account")
    saved = saved_list_state(request=request, list_key=ACCOUNT_LIST_KEY)
    filterset = saved.filterset
    field, descending = ACCOUNT_SORTS.get(filterset.sort, ACCOUNT_SORTS[SortOrder.NAME])
    head_office = Address.objects.filter(account=OuterRef("pk"), kind=Address.Kind.HEAD_OFFICE)
    queryset = filterset.qs.annotate(head_office_city=Subquery(head_office.values("city")[:1]))
    page = keyset_page(
        queryset,
        order=(field, "id"),
        descending=descending,
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
    )
    rows = [
        {
            "account": account,
            "siren": identifiers.format_siren(account.siren) if account.siren else "",
            "status": relationship_status_label(account),
        }
        for account in page.rows
    ]
    context = {
        "filter": filterset,
        "saved": saved,
        "rows": rows,
        "is_filtered": any(saved.query.get(name) for name in ("q", "account_type", "segment", "owner")),
        "may_add": request.user.has_perm("accounts.add_account"),
        **page_links(request, page, saved.link_query),
    }
    return render(request, "accounts/account_list.html", context)


def _parent_chain(request: TenantRequest, account: Account) -> list[dict[str, Any]]:
    """From the top of the group down to the direct parent; companies the member may not see stay
    unnamed. One query per level (groups are shallow), bounded against corrupt loops."""
    chain: list[Account] = []
    seen = {account.pk}
    current = account.parent
    while current is not None and current.pk not in seen and len(chain) < GROUP_DEPTH_LIMIT:
        chain.append(current)
        seen.add(current.pk)
        current = Account.objects.filter(pk=current.parent_id).first() if current.parent_id else None
    visible = set(
        Account.objects.visible_to(request.membership)
        .filter(pk__in=[item.pk for item in chain])
        .values_list("pk", flat=True)
    )
    return [{"account": item, "is_visible": item.pk in visible} for item in reversed(chain)]


@login_required
@require_http_methods(["GET", "HEAD"])
def account_detail(request: TenantRequest, pk: int) -> HttpResponse:
    _require(request, "accounts.view_account")
    account = _account_or_404(request, pk)
    return render_account_detail(request, account, tab=request.GET.get("tab", "overview"))


def render_account_detail(
    request: TenantRequest, account: Account, *, tab: str, share_form: Any = None
) -> HttpResponse:
    """The detail page on one tab (the Sharing tab re-renders it with its form's errors)."""
    from accounts.shares.views import sharing_context

    rights = sharing_rights(record=account, membership=request.membership)
    if tab not in ACCOUNT_TABS or (tab == "sharing" and not rights.may_share):
        tab = "overview"
    context: dict[str, Any] = {
        "account": account,
        "tab": tab,
        "tabs": [
            ("overview", _("Overview")),
            ("contacts", _("Contacts")),
            ("group", _("Group")),
            *([("sharing", _("Sharing"))] if rights.may_share else []),
            ("history", _("History")),
        ],
        "status": relationship_status_label(account),
        "hidden": hidden_fields(request.membership.role, Account),
        "may_change": request.user.has_perm("accounts.change_account", account),
        "may_delete": request.user.has_perm("accounts.delete_account", account),
        "may_add_contact": request.user.has_perm("accounts.add_contact"),
        "may_revert": may_revert(request.membership),
    }
    if tab in ("overview", "group"):
        shown = readable_sensitive_fields(request.membership.role, Account)
        if shown:
            record_reads(user=request.user, objects=[account], fields=shown)
    if tab == "overview":
        from accounts.views_inline import account_inline_items  # it builds on this module

        context.update(
            inline=account_inline_items(
                request, account, may_change=context["may_change"], hidden=context["hidden"]
            ),
            addresses=list(account.addresses.all()),
            duplicates=_possible_duplicates(request, account),
            panels=panels_for(request, account),
            # A parent or partner company the member may not see is neither named nor linked.
            visible_related=set(
                Account.objects.visible_to(request.membership)
                .filter(pk__in=[pk for pk in (account.parent_id, account.partner_id) if pk])
                .values_list("pk", flat=True)
            ),
        )
    elif tab == "contacts":
        # Paged like the lists: a company can have tens of thousands of contacts.
        page = keyset_page(
            selectors.contact_list(membership=request.membership).filter(account=account),
            order=("last_name", "first_name", "id"),
            descending=False,
            cursor=request.GET.get("after", ""),
            size=PAGE_SIZE,
        )
        context.update(contacts=_contact_rows(request, page.rows), **page_links(request, page))
    elif tab == "group":
        figures = consolidated_figures(account, membership=request.membership)
        page = keyset_page(
            selectors.account_subsidiaries(membership=request.membership, account=account),
            order=("legal_name", "id"),
            descending=False,
            cursor=request.GET.get("after", ""),
            size=PAGE_SIZE,
        )
        context.update(
            chain=_parent_chain(request, account),
            subsidiaries=[
                {
                    "account": subsidiary,
                    "revenue": format_money(subsidiary.customer_revenue, subsidiary.currency),
                    "potential": format_money(subsidiary.estimated_potential, subsidiary.currency),
                }
                for subsidiary in page.rows
            ],
            **page_links(request, page),
            consolidated_count=figures["subsidiaries"],
            consolidated_revenue=format_money(figures["revenue"], account.currency),
            consolidated_potential=format_money(figures["potential"], account.currency),
        )
    elif tab == "sharing":
        context.update(sharing_context(request, account, rights=rights, form=share_form))
    else:
        context["history"] = history_entries(
            _history_records(account),
            Account,
            {
                "owner": User.objects.all(),
                "segment": Segment.objects.all(),
                "territory": Territory.objects.all(),
                "parent": Account.objects.visible_to(request.membership),
                "partner": Account.objects.visible_to(request.membership),
            },
            hidden=context["hidden"],
            noise=HISTORY_NOISE,
        )
    # Field policies: a value the role may not read never reaches the template.
    for key, field_name in SENSITIVE_CONTEXT.items():
        if field_name in context["hidden"]:
            context.pop(key, None)
            for row in context.get("subsidiaries", []):
                row.pop(key.removeprefix("customer_").removeprefix("estimated_"), None)
    template = "accounts/account_detail.html"
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx and not htmx.history_restore_request:
        template += "#tab-panel"
    return render(request, template, context)


def _account_saved(request: TenantRequest, outcome: services.Outcome, message: str) -> HttpResponse:
    for warning in outcome.warnings:
        messages.warning(request, warning)
    messages.success(request, message)
    return HttpResponseRedirect(reverse("accounts:account_detail", args=[outcome.record.pk]))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_create(request: TenantRequest) -> HttpResponse:
    _require(request, "accounts.add_account")
    form = AccountForm(
        request.POST if request.method == "POST" else None,
        membership=request.membership,
        initial={"owner": request.user.pk, "currency": "EUR"},
    )
    duplicates: list[Any] = []
    hidden_duplicates = 0
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.account_create(
                tenant=request.tenant,
                actor=request.user,
                role=request.membership.role,
                **form.service_arguments(),
            )
        except services.PossibleDuplicates as found:
            duplicates, hidden_duplicates = _split_visible(request, Account, found.duplicates)
            form.add_error(
                "duplicate_reason",
                _("Check the companies listed above; give a reason to create this one anyway."),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except IntegrityError:
            # The one unique rule a concurrent save can still break: the SIRET within the tenant.
            form.add_error("siret", _("Another account already has this SIRET."))
        else:
            return _account_saved(request, outcome, _("The account was created."))
    context = {
        "form": form,
        "account": None,
        "duplicates": duplicates,
        "hidden_duplicates": hidden_duplicates,
    }
    return render(request, "accounts/account_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_update(request: TenantRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    _require(request, "accounts.change_account", account)
    form = AccountForm(
        request.POST if request.method == "POST" else None,
        instance=account,
        membership=request.membership,
        initial={"version": account.version},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        try:
            outcome = services.account_update(
                account=account,
                actor=request.user,
                data=data,
                expected_version=expected_version,
                role=request.membership.role,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        except IntegrityError:
            form.add_error("siret", _("Another account already has this SIRET."))
        else:
            return _account_saved(request, outcome, _("The account was saved."))
    return render(request, "accounts/account_form.html", {"form": form, "account": account})


# Contacts ---------------------------------------------------------------------------------------


def _contact_rows(request: TenantRequest, contacts: Iterable[Contact]) -> list[dict[str, Any]]:
    """A phone per contact for lists: the direct line, else the mobile when the role may read it (a
    mobile shown is a read of a sensitive field, logged in one INSERT for the page)."""
    mobile_readable = "mobile" not in hidden_fields(request.membership.role, Contact)
    rows, mobiles_shown = [], []
    for contact in contacts:
        number = contact.phone
        if not number and contact.mobile and mobile_readable:
            number = contact.mobile
            mobiles_shown.append(contact)
        rows.append({"contact": contact, "phone": format_phone(number, request.tenant)})
    if mobiles_shown:
        record_reads(user=request.user, objects=mobiles_shown, fields=["mobile"])
    return rows


@login_required
@require_http_methods(["GET", "HEAD"])
def contact_list(request: TenantRequest) -> HttpResponse:
    _require(request, "accounts.view_contact")
    saved = saved_list_state(request=request, list_key=CONTACT_LIST_KEY)
    filterset = saved.filterset
    page = keyset_page(
        filterset.qs,
        order=("last_name", "first_name", "id"),
        descending=False,
        cursor=request.GET.get("after", ""),
        size=PAGE_SIZE,
    )
    rows = _contact_rows(request, page.rows)
    context = {
        "filter": filterset,
        "saved": saved,
        "rows": rows,
        "is_filtered": any(saved.query.get(name) for name in ("q", "relationship_status", "owner")),
        "may_add": request.user.has_perm("accounts.add_contact"),
        **page_links(request, page, saved.link_query),
    }
    return render(request, "accounts/contact_list.html", context)


def _contact_detail(request: TenantRequest, contact: Contact, consent_form: ConsentForm) -> HttpResponse:
    visible_accounts = Account.objects.visible_to(request.membership)
    hidden = hidden_fields(request.membership.role, Contact)
    shown = readable_sensitive_fields(request.membership.role, Contact)
    if shown:
        record_reads(user=request.user, objects=[contact], fields=shown)
    context = {
        "contact": contact,
        "hidden": hidden,
        "affiliations": contact.affiliations.filter(account__in=visible_accounts.values("pk"))
        .select_related("account")
        .order_by("account__legal_name"),
        "consents": Consent.objects.filter(contact=contact).order_by("purpose"),
        "consent_form": consent_form,
        "may_change": request.user.has_perm("accounts.change_contact", contact),
        "may_delete": request.user.has_perm("accounts.delete_contact", contact),
        "may_revert": may_revert(request.membership),
        "history": history_entries(
            _history_records(contact),
            Contact,
            {
                "owner": User.objects.all(),
                "account": visible_accounts,
                "manager": Contact.objects.visible_to(request.membership),
            },
            hidden=hidden,
            noise=HISTORY_NOISE,
        ),
    }
    # The identity fields, formatted, each with its inline "Edit" when the member may change it.
    from accounts.views_inline import contact_inline_items  # it builds on this module

    context["inline"] = contact_inline_items(request, contact, may_change=bool(context["may_change"]))
    context["panels"] = panels_for(request, contact)
    return render(request, "accounts/contact_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def contact_detail(request: TenantRequest, pk: int) -> HttpResponse:
    _require(request, "accounts.view_contact")
    contact = _contact_or_404(request, pk)
    return _contact_detail(request, contact, ConsentForm())


@login_required
@require_POST
def contact_consent_record(request: TenantRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    _require(request, "accounts.change_contact", contact)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(contact=contact, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The consent was recorded."))
            return HttpResponseRedirect(reverse("accounts:contact_detail", args=[contact.pk]) + "#consents")
    return _contact_detail(request, contact, form)


def _preselected_account(request: TenantRequest) -> int | None:
    raw = request.GET.get("account", "")
    return int(raw) if raw.isdigit() else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_create(request: TenantRequest) -> HttpResponse:
    _require(request, "accounts.add_contact")
    form = ContactForm(
        request.POST if request.method == "POST" else None,
        membership=request.membership,
        initial={"owner": request.user.pk, "account": _preselected_account(request), "language": "fr"},
    )
    duplicates: list[Any] = []
    hidden_duplicates = 0
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("duplicate_reason", "") or ""
        try:
            outcome = services.contact_create(
                tenant=request.tenant,
                actor=request.user,
                data=data,
                duplicate_reason=reason,
                role=request.membership.role,
            )
        except services.PossibleDuplicates as found:
            duplicates, hidden_duplicates = _split_visible(request, Contact, found.duplicates)
            form.add_error(
                "duplicate_reason",
                _("Check the people listed above; give a reason to create this one anyway."),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The contact was created."))
            return HttpResponseRedirect(reverse("accounts:contact_detail", args=[outcome.record.pk]))
    context = {
        "form": form,
        "contact": None,
        "duplicates": duplicates,
        "hidden_duplicates": hidden_duplicates,
    }
    return render(request, "accounts/contact_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_update(request: TenantRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    _require(request, "accounts.change_contact", contact)
    form = ContactForm(
        request.POST if request.method == "POST" else None,
        instance=contact,
        membership=request.membership,
        initial={"version": contact.version},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected_version = data.pop("version")
        try:
            outcome = services.contact_update(
                contact=contact,
                actor=request.user,
                data=data,
                expected_version=expected_version,
                role=request.membership.role,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The contact was saved."))
            return HttpResponseRedirect(reverse("accounts:contact_detail", args=[outcome.record.pk]))
    return render(request, "accounts/contact_form.html", {"form": form, "contact": contact})
