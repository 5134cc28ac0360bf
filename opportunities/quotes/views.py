"""Quote and catalogue pages: parse, call one selector or service, map its errors, render. A quote the
member may not see answers 404 (like another tenant's); a visible one they may not change, 403."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.http import TenantRequest
from crm.pagination import keyset_page
from governance.field_policies import hidden_fields
from opportunities.models import Opportunity, Product, Quote, QuoteLine
from opportunities.quotes import selectors
from opportunities.quotes.forms import QuoteCreateForm, QuoteHeaderForm, QuoteLineForm
from opportunities.quotes.pdf import quote_pdf, quote_pdf_filename
from opportunities.services import quotes as services

LIST_SIZE = 50


def _require(request: TenantRequest, permission: str, obj: Any = None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


def _quote_or_404(request: TenantRequest, pk: int) -> Quote:
    _require(request, "opportunities.view_quote")
    try:
        return selectors.quote_get(membership=request.membership, pk=pk)
    except Quote.DoesNotExist:
        raise Http404 from None


def _editable(request: TenantRequest, quote: Quote) -> Quote:
    _require(request, "opportunities.change_quote", quote.opportunity)
    return quote


def _form_error(form: Any) -> ValidationError:
    """A form's errors as one message per field, for the editor's error line."""
    return ValidationError(
        [
            f"{form.fields[name].label if name in form.fields else ''}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        ]
    )


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# Lists ----------------------------------------------------------------------------------------------


@require_GET
def quote_list(request: TenantRequest) -> HttpResponse:
    """The quotes the member can see; `?awaiting=1`: those awaiting a discount approval (a manager's
    inbox), with the ones this member may decide on marked."""
    _require(request, "opportunities.view_quote")
    awaiting = request.GET.get("awaiting") == "1"
    cursor = request.GET.get("after", "")[:200]
    page = keyset_page(
        selectors.quote_list(membership=request.membership, awaiting_approval=awaiting),
        order=("id",),
        descending=True,
        cursor=cursor,
        size=LIST_SIZE,
    )
    first_url = "?awaiting=1" if awaiting else "?"
    base = "?awaiting=1&" if awaiting else "?"
    return render(
        request,
        "opportunities/quotes/quote_list.html",
        {
            "quotes": page.rows,
            "awaiting": awaiting,
            "first_url": first_url if cursor else "",
            "next_url": f"{base}{urlencode({'after': page.next_cursor})}" if page.next_cursor else "",
            "discounts_hidden": "max_discount_percent" in hidden_fields(request.membership.role, Quote),
        },
    )


@require_GET
def product_list(request: TenantRequest) -> HttpResponse:
    _require(request, "opportunities.view_product")
    search = request.GET.get("q", "").strip()[:100]
    products = list(selectors.product_list(search=search)[:200])
    price_lists = list(selectors.price_list_list().filter(is_active=True))
    return render(
        request,
        "opportunities/catalogue/product_list.html",
        {
            "products": products,
            "search": search,
            "price_lists": price_lists,
            "hidden": hidden_fields(request.membership.role, Product),
        },
    )


# Creation and the editor ----------------------------------------------------------------------------


@require_POST
def quote_create(request: TenantRequest, opportunity_pk: int) -> HttpResponse:
    _require(request, "opportunities.add_quote")
    try:
        opportunity = selectors.opportunity_get(membership=request.membership, pk=opportunity_pk)
    except Opportunity.DoesNotExist:
        raise Http404 from None
    _require(request, "opportunities.change_opportunity", opportunity)
    form = QuoteCreateForm(request.POST, currency=opportunity.currency)
    if form.is_valid():
        try:
            quote = services.quote_create(
                opportunity=opportunity,
                actor=request.user,
                price_list=form.cleaned_data["price_list"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            return HttpResponseRedirect(reverse("quotes:quote_detail", args=[quote.pk]))
    else:
        messages.error(request, _("The quote could not be created: check the price list and the language."))
    return HttpResponseRedirect(request.POST.get("next") or reverse("quotes:quote_list"))


def _editor_context(request: TenantRequest, quote: Quote, **extra: Any) -> dict[str, Any]:
    lines = list(quote.lines.select_related("product"))
    may_change = request.user.has_perm("opportunities.change_quote", quote.opportunity)
    is_draft = quote.status == Quote.Status.DRAFT
    prices = selectors.prices_of(quote.price_list) if is_draft and may_change else {}
    context: dict[str, Any] = {
        "quote": quote,
        "lines": lines,
        "totals": services.quote_compute(quote, lines),
        "may_change": may_change,
        "may_edit": may_change and is_draft,
        "may_approve": services.quote_can_approve(quote=quote, user=request.user),
        # Field policies: a role that may not read discounts sees prices and totals only.
        "discounts_hidden": "discount_value" in hidden_fields(request.membership.role, QuoteLine),
        "versions": list(
            Quote.objects.filter(number=quote.number).order_by("-version").values("pk", "version", "status")
        ),
        "line_form": QuoteLineForm(prices=prices, prefix="new") if is_draft and may_change else None,
        "header_form": QuoteHeaderForm(instance=quote) if is_draft and may_change else None,
    }
    context.update(extra)
    return context


def _render_editor(request: TenantRequest, quote: Quote, *, status: int = 200, **extra: Any) -> HttpResponse:
    template = "opportunities/quotes/quote_detail.html"
    if getattr(request, "htmx", False):
        template += "#quote-body"
    return render(request, template, _editor_context(request, quote, **extra), status=status)


@require_GET
def quote_detail(request: TenantRequest, pk: int) -> HttpResponse:
    return _render_editor(request, _quote_or_404(request, pk))


def _after_write(request: TenantRequest, quote: Quote, error: ValidationError | None) -> HttpResponse:
    fresh = selectors.quote_get(membership=request.membership, pk=quote.pk)
    if error is None:
        if getattr(request, "htmx", False):
            return _render_editor(request, fresh)
        return HttpResponseRedirect(reverse("quotes:quote_detail", args=[quote.pk]))
    if getattr(request, "htmx", False):
        # htmx swaps 2xx answers only: the refusal comes back as the editor with its message.
        return _render_editor(request, fresh, error=_error_text(error))
    messages.error(request, _error_text(error))
    return HttpResponseRedirect(reverse("quotes:quote_detail", args=[quote.pk]))


@require_POST
def quote_header(request: TenantRequest, pk: int) -> HttpResponse:
    quote = _editable(request, _quote_or_404(request, pk))
    form = QuoteHeaderForm(request.POST, instance=Quote.objects.get(pk=quote.pk))
    error: ValidationError | None = None
    if form.is_valid():
        try:
            services.quote_update(quote=quote, actor=request.user, **form.cleaned_data)
        except ValidationError as failed:
            error = failed
    else:
        error = _form_error(form)
    return _after_write(request, quote, error)


@require_POST
def quote_line_add(request: TenantRequest, pk: int) -> HttpResponse:
    quote = _editable(request, _quote_or_404(request, pk))
    form = QuoteLineForm(request.POST, prefix="new")
    error: ValidationError | None = None
    if form.is_valid():
        try:
            values = form.values()
            services.quote_line_add(
                quote=quote, actor=request.user, quantity=values.pop("quantity"), **values
            )
        except ValidationError as failed:
            error = failed
    else:
        error = _form_error(form)
    return _after_write(request, quote, error)


def _line_or_404(quote: Quote, line_pk: int) -> QuoteLine:
    line = quote.lines.filter(pk=line_pk).first()
    if line is None:
        raise Http404
    return line


@require_POST
def quote_line_update(request: TenantRequest, pk: int, line_pk: int) -> HttpResponse:
    quote = _editable(request, _quote_or_404(request, pk))
    line = _line_or_404(quote, line_pk)
    form = QuoteLineForm(request.POST, prefix=f"line-{line.pk}", instance=line)
    error: ValidationError | None = None
    if form.is_valid():
        values = form.values()
        values.pop("product", None)
        try:
            services.quote_line_update(line=line, actor=request.user, **values)
        except ValidationError as failed:
            error = failed
    else:
        error = _form_error(form)
    return _after_write(request, quote, error)


@require_POST
def quote_line_remove(request: TenantRequest, pk: int, line_pk: int) -> HttpResponse:
    quote = _editable(request, _quote_or_404(request, pk))
    line = _line_or_404(quote, line_pk)
    error: ValidationError | None = None
    try:
        services.quote_line_remove(line=line, actor=request.user)
    except ValidationError as failed:
        error = failed
    return _after_write(request, quote, error)


ACTIONS = ("approve", "reject", "send", "accept", "refuse", "new_version")


@require_POST
def quote_action(request: TenantRequest, pk: int, action: str) -> HttpResponse:
    """One status change. Approving and rejecting are the approver's (the service checks who may);
    the others need the right to change the opportunity."""
    if action not in ACTIONS:
        raise Http404
    quote = _quote_or_404(request, pk)
    if action not in ("approve", "reject"):
        _editable(request, quote)
    note = request.POST.get("note", "").strip()[:2000]
    error: ValidationError | None = None
    try:
        if action == "approve":
            services.quote_approve(quote=quote, actor=request.user, note=note)
        elif action == "reject":
            services.quote_reject(quote=quote, actor=request.user, note=note)
        elif action == "send":
            services.quote_send(quote=quote, actor=request.user)
        elif action == "accept":
            services.quote_accept(
                quote=quote, actor=request.user, move_to_won=request.POST.get("move_to_won") == "on"
            )
        elif action == "refuse":
            services.quote_refuse(quote=quote, actor=request.user, note=note)
        else:
            new = services.quote_new_version(quote=quote, actor=request.user)
            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("quotes:quote_detail", args=[new.pk])
                return response
            return HttpResponseRedirect(reverse("quotes:quote_detail", args=[new.pk]))
    except ValidationError as failed:
        error = failed
    return _after_write(request, quote, error)


@require_GET
def quote_pdf_download(request: TenantRequest, pk: int) -> HttpResponse:
    quote = _quote_or_404(request, pk)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote_pdf_filename(quote)}"'
    return response


def opportunity_quotes_panel_context(*, request: HttpRequest, opportunity: Opportunity) -> dict[str, Any]:
    """What the opportunity page's quotes panel needs (its template tag calls this)."""
    user = request.user
    may_create = user.has_perm("opportunities.add_quote") and user.has_perm(
        "opportunities.change_opportunity", opportunity
    )
    return {
        "quotes": list(selectors.opportunity_quotes(opportunity=opportunity)),
        "may_create": may_create,
        "create_form": QuoteCreateForm(
            currency=opportunity.currency, initial={"language": opportunity.tenant.language}
        )
        if may_create
        else None,
    }
