"""Quotes (devis) of an opportunity: creation with the tenant's next number, lines, discounts limited
by role with a manager's approval, status transitions, versions, and the accepted quote's effect on
its opportunity. Pages, the API and the expiry task call these."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import Contact
from crm.models import Membership, User
from crm.roles import Role
from governance import search
from opportunities.models import (
    CompanyProfile,
    DiscountKind,
    DiscountLimit,
    Opportunity,
    PriceList,
    Product,
    Quote,
    QuoteLine,
    Stage,
    VatRate,
)
from opportunities.services.catalogue import price_list_check_currency, price_lists_for, product_price
from opportunities.services.pipeline import opportunity_move_stage
from opportunities.services.quote_numbering import quote_number_next
from opportunities.services.quote_pricing import LineInput, QuoteTotals, line_totals, quote_totals

LANGUAGES = ("fr", "en")
# Roles that approve any quote of the company, within their own discount limit.
APPROVERS_AT_LARGE = {Role.SALES_DIRECTOR, Role.TENANT_ADMIN}
# The fields a draft's header may change through quote_update.
HEADER_FIELDS = {
    "contact", "language", "valid_until", "payment_terms", "commitment_months", "tacit_renewal",
    "indexation", "indexation_rate", "global_discount_kind", "global_discount_value", "notes",
}  # fmt: skip


def _membership(user: User | None) -> Membership | None:
    if user is None:
        return None
    return Membership.objects.filter(user=user, is_active=True).select_related("manager").first()


def discount_limit_for(role: str) -> Decimal:
    """The largest discount (%) the role grants without approval; a role without a row: none."""
    limit = DiscountLimit.objects.filter(role=role).values_list("max_percent", flat=True).first()
    return limit if limit is not None else Decimal("0")


def _decimal(value: Any, field: str) -> Decimal:
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None


def _check_discount(kind: str, value: Decimal, field: str) -> None:
    if kind not in DiscountKind.values:
        raise ValidationError({field: _("Choose a percent or an amount.")})
    if value < 0:
        raise ValidationError({field: _("A discount cannot be negative.")})
    if kind == DiscountKind.PERCENT and value > 100:
        raise ValidationError({field: _("A discount cannot exceed 100 %.")})


def _lock(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("opportunity").get(pk=quote.pk)


def _is_latest(quote: Quote) -> bool:
    return not Quote.objects.filter(previous_version_id=quote.pk).exists()


def _require_draft(quote: Quote) -> None:
    if quote.status != Quote.Status.DRAFT:
        raise ValidationError(
            _("Only a draft quote can be changed: make a new version of it."), code="not_draft"
        )


def _save(
    instance: Any, *, actor: User | None, reason: str = "", update_fields: list[str] | None = None
) -> None:
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    instance.save(update_fields=update_fields)


# Totals and approval -------------------------------------------------------------------------------


def _line_input(line: QuoteLine) -> LineInput:
    return LineInput(
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_kind=line.discount_kind,
        discount_value=line.discount_value,
        vat_rate=line.vat_rate,
    )


def quote_compute(quote: Quote, lines: list[QuoteLine] | None = None) -> QuoteTotals:
    """The quote's totals from its lines (for the page, the PDF and the stored columns)."""
    lines = list(quote.lines.all()) if lines is None else lines
    return quote_totals(
        [_line_input(line) for line in lines],
        global_discount_kind=quote.global_discount_kind,
        global_discount_value=quote.global_discount_value,
    )


def _recompute(quote: Quote, *, actor: User | None, reason: str = "") -> Quote:
    """Store the totals and the largest discount; a discount above the author's limit puts the quote
    back to "awaiting approval" (any change after an approval needs a new one), one within it clears
    the approval."""
    totals = quote_compute(quote)
    quote.total_excl_tax = totals.total_excl_tax
    quote.total_tax = totals.total_tax
    quote.total_incl_tax = totals.total_incl_tax
    quote.max_discount_percent = totals.max_discount_percent
    author = _membership(quote.created_by)
    limit = discount_limit_for(author.role) if author else Decimal("0")
    if quote.max_discount_percent > limit:
        quote.approval = Quote.Approval.PENDING
    else:
        quote.approval = Quote.Approval.NOT_NEEDED
    quote.approved_by = None
    quote.approved_at = None
    quote.version_lock += 1
    _save(quote, actor=actor, reason=reason)
    return quote


# Creation -------------------------------------------------------------------------------------------


@transaction.atomic
def quote_create(
    *,
    opportunity: Opportunity,
    actor: User,
    price_list: PriceList | None = None,
    contact: Contact | None = None,
    language: str | None = None,
    currency: str | None = None,
    valid_until: datetime.date | None = None,
    payment_terms: str | None = None,
    **terms: Any,
) -> Quote:
    """A draft quote of the opportunity with the tenant's next number (see quote_numbering). The
    validity and payment terms default to the tenant's company profile; the price list to the one
    that applies today in the quote's currency (the account's segment's first, else one for every
    segment), so that catalogue lines are priced without a choice to make."""
    tenant = opportunity.tenant
    currency = currency or opportunity.currency
    if price_list is not None:
        price_list_check_currency(price_list=price_list, currency=currency)
    else:
        segment_id = opportunity.account.segment_id
        applicable = price_lists_for(currency=currency, day=timezone.localdate(), segment_id=segment_id)
        own = [item for item in applicable if segment_id is not None and item.segment_id == segment_id]
        general = [item for item in applicable if item.segment_id is None]
        price_list = (own or general or [None])[0]  # type: ignore[list-item]
    if contact is not None and contact.account_id != opportunity.account_id:
        raise ValidationError({"contact": _("The quote must be addressed to a contact of the account.")})
    language = language or tenant.language or "fr"
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose French or English.")})
    profile = CompanyProfile.objects.first()
    today = timezone.localdate()
    if valid_until is None:
        valid_until = today + datetime.timedelta(days=profile.default_validity_days if profile else 30)
    if valid_until < today:
        raise ValidationError({"valid_until": _("The validity date cannot be in the past.")})
    sequence, number = quote_number_next(tenant=tenant, year=today.year)
    quote = Quote(
        tenant=tenant,
        opportunity=opportunity,
        number=number,
        sequence=sequence,
        contact=contact or opportunity.primary_contact,
        price_list=price_list,
        currency=currency,
        language=language,
        issue_date=today,
        valid_until=valid_until,
        payment_terms=payment_terms
        if payment_terms is not None
        else (profile.default_payment_terms if profile else ""),
        created_by=actor,
        **terms,
    )
    _check_discount(
        quote.global_discount_kind,
        _decimal(quote.global_discount_value, "global_discount_value"),
        "global_discount_value",
    )
    quote.full_clean(exclude=["tenant", "opportunity", "created_by", "sequence"])
    _save(quote, actor=actor)
    search.index(quote)
    return quote


@transaction.atomic
def quote_update(*, quote: Quote, actor: User, expected_version: int | None = None, **fields: Any) -> Quote:
    """Change a draft's header: addressee, language, validity, contract terms, global discount."""
    locked = _lock(quote)
    if expected_version is not None and locked.version_lock != expected_version:
        raise ValidationError(
            _("Someone changed this quote meanwhile: reload it and try again."), code="stale_version"
        )
    _require_draft(locked)
    unknown = set(fields) - HEADER_FIELDS - {"price_list"}
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    if "price_list" in fields and fields["price_list"] is not None:
        price_list_check_currency(price_list=fields["price_list"], currency=locked.currency)
    contact = fields.get("contact")
    if contact is not None and contact.account_id != locked.opportunity.account_id:
        raise ValidationError({"contact": _("The quote must be addressed to a contact of the account.")})
    if fields.get("language", locked.language) not in LANGUAGES:
        raise ValidationError({"language": _("Choose French or English.")})
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.global_discount_value = _decimal(locked.global_discount_value, "global_discount_value")
    _check_discount(locked.global_discount_kind, locked.global_discount_value, "global_discount_value")
    if locked.global_discount_kind == DiscountKind.AMOUNT:
        lines_total = quote_compute(locked).lines_total
        if locked.global_discount_value > lines_total:
            raise ValidationError({"global_discount_value": _("The discount exceeds the lines' total.")})
    locked.full_clean(exclude=["tenant", "opportunity", "created_by", "sequence"])
    return _recompute(locked, actor=actor)


# Lines ----------------------------------------------------------------------------------------------


def _validate_line(line: QuoteLine) -> None:
    line.quantity = _decimal(line.quantity, "quantity")
    line.unit_price = _decimal(line.unit_price, "unit_price")
    line.discount_value = _decimal(line.discount_value, "discount_value")
    if line.quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be greater than zero.")}, code="quantity")
    if line.unit_price < 0:
        raise ValidationError({"unit_price": _("The unit price cannot be negative.")}, code="unit_price")
    if line.vat_rate not in VatRate.values:
        raise ValidationError({"vat_rate": _("Choose one of the French VAT rates.")})
    if not line.description.strip():
        raise ValidationError({"description": _("Describe the line.")})
    _check_discount(line.discount_kind, line.discount_value, "discount_value")
    totals = line_totals(_line_input(line))
    if line.discount_kind == DiscountKind.AMOUNT and line.discount_value > totals.gross:
        raise ValidationError({"discount_value": _("The discount exceeds the line's amount.")})
    line.total_excl_tax = totals.total_excl_tax


@transaction.atomic
def quote_line_add(
    *,
    quote: Quote,
    actor: User,
    quantity: Decimal,
    product: Product | None = None,
    description: str = "",
    unit_price: Decimal | None = None,
    unit: str | None = None,
    vat_rate: str | None = None,
    discount_kind: str = DiscountKind.PERCENT,
    discount_value: Decimal = Decimal("0"),
) -> QuoteLine:
    """A catalogue line (price from the quote's price list, description, unit and VAT from the product,
    each overridable) or a free line (description and price given)."""
    locked = _lock(quote)
    _require_draft(locked)
    if product is not None:
        if unit_price is None:
            unit_price = product_price(
                product=product, price_list=locked.price_list, currency=locked.currency
            )
        if unit_price is None:
            raise ValidationError(
                {
                    "unit_price": _(
                        "“%(product)s” has no price in the quote's price list: enter the unit price."
                    )
                    % {"product": product.name}
                }
            )
        description = description or product.name
        unit = unit or product.unit
        vat_rate = vat_rate or product.default_vat_rate
    elif unit_price is None:
        raise ValidationError({"unit_price": _("Enter the unit price.")})
    position = (locked.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    line = QuoteLine(
        tenant_id=locked.tenant_id,
        quote=locked,
        position=position,
        product=product,
        description=description,
        quantity=quantity,
        unit=unit or Product.Unit.UNIT,
        unit_price=unit_price,
        vat_rate=vat_rate or VatRate.STANDARD,
        discount_kind=discount_kind,
        discount_value=discount_value,
    )
    _validate_line(line)
    _save(line, actor=actor)
    _recompute(locked, actor=actor)
    return line


LINE_FIELDS = {
    "description",
    "quantity",
    "unit",
    "unit_price",
    "vat_rate",
    "discount_kind",
    "discount_value",
    "position",
}


@transaction.atomic
def quote_line_update(*, line: QuoteLine, actor: User, **fields: Any) -> QuoteLine:
    locked = _lock(line.quote)
    _require_draft(locked)
    unknown = set(fields) - LINE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    current = QuoteLine.objects.select_for_update().get(pk=line.pk, quote=locked)
    for name, value in fields.items():
        setattr(current, name, value)
    _validate_line(current)
    _save(current, actor=actor)
    _recompute(locked, actor=actor)
    return current


@transaction.atomic
def quote_line_remove(*, line: QuoteLine, actor: User) -> Quote:
    locked = _lock(line.quote)
    _require_draft(locked)
    current = QuoteLine.objects.get(pk=line.pk, quote=locked)
    current._history_user = actor  # type: ignore[attr-defined]
    current.delete()
    return _recompute(locked, actor=actor)


# Approval -------------------------------------------------------------------------------------------


def _manager_chain(membership: Membership) -> list[int]:
    """User ids of the author's managers, nearest first (a loop, impossible by the kernel's rules, stops)."""
    chain: list[int] = []
    seen: set[int] = {membership.pk}
    current = membership.manager
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        chain.append(current.user_id)
        current = Membership.objects.filter(pk=current.manager_id).first() if current.manager_id else None
    return chain


def quote_can_approve(*, quote: Quote, user: User) -> bool:
    """A member above the author (their manager chain, or a director or the admin) whose own limit
    covers the quote's largest discount. Never the author."""
    if quote.approval != Quote.Approval.PENDING or user.pk == quote.created_by_id:
        return False
    approver = _membership(user)
    if approver is None or discount_limit_for(approver.role) < quote.max_discount_percent:
        return False
    if approver.role in APPROVERS_AT_LARGE:
        return True
    author = _membership(quote.created_by)
    return author is not None and user.pk in _manager_chain(author)


@transaction.atomic
def quote_approve(*, quote: Quote, actor: User, note: str = "") -> Quote:
    locked = _lock(quote)
    if locked.approval != Quote.Approval.PENDING:
        raise ValidationError(_("This quote is not awaiting an approval."), code="not_pending")
    if not quote_can_approve(quote=locked, user=actor):
        raise ValidationError(
            _(
                "Only a manager above the author whose own limit covers a %(percent)s %% discount "
                "can approve it."
            )
            % {"percent": number_format(locked.max_discount_percent, 2)},
            code="not_approver",
        )
    locked.approval = Quote.Approval.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    locked.approval_note = note
    locked.version_lock += 1
    _save(locked, actor=actor, reason=_("Discount approved"))
    return locked


@transaction.atomic
def quote_reject(*, quote: Quote, actor: User, note: str = "") -> Quote:
    locked = _lock(quote)
    if locked.approval != Quote.Approval.PENDING:
        raise ValidationError(_("This quote is not awaiting an approval."), code="not_pending")
    if not quote_can_approve(quote=locked, user=actor):
        raise ValidationError(_("You cannot decide on this discount."), code="not_approver")
    locked.approval = Quote.Approval.REJECTED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    locked.approval_note = note
    locked.version_lock += 1
    _save(locked, actor=actor, reason=_("Discount rejected"))
    return locked


# Status ---------------------------------------------------------------------------------------------


def _require_latest(quote: Quote) -> None:
    if quote.status == Quote.Status.SUPERSEDED or not _is_latest(quote):
        raise ValidationError(_("A newer version of this quote exists: use it."), code="superseded")


@transaction.atomic
def quote_send(*, quote: Quote, actor: User) -> Quote:
    """Draft → sent. Refused while a discount above the author's limit is not approved."""
    locked = _lock(quote)
    _require_latest(locked)
    if locked.status != Quote.Status.DRAFT:
        raise ValidationError(_("Only a draft quote can be sent."), code="not_draft")
    if not locked.lines.exists():
        raise ValidationError(_("Add at least one line before sending the quote."), code="empty")
    if locked.approval in (Quote.Approval.PENDING, Quote.Approval.REJECTED):
        raise ValidationError(
            _(
                "A discount of %(percent)s %% exceeds your limit: a manager must approve it "
                "before the quote is sent."
            )
            % {"percent": number_format(locked.max_discount_percent, 2)},
            code="approval_required",
        )
    if locked.valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("The validity date has passed: change it first.")})
    locked.status = Quote.Status.SENT
    locked.sent_at = timezone.now()
    locked.version_lock += 1
    _save(locked, actor=actor, reason=_("Sent"))
    return locked


def _won_stage(opportunity: Opportunity) -> Stage:
    stage = (
        Stage.objects.filter(pipeline_id=opportunity.pipeline_id, outcome=Stage.Outcome.WON, is_active=True)
        .order_by("position")
        .first()
    )
    if stage is None:
        raise ValidationError(_("The opportunity's pipeline has no won stage."))
    return stage


@transaction.atomic
def quote_accept(*, quote: Quote, actor: User, move_to_won: bool = True) -> Quote:
    """Sent → accepted: the opportunity's amount becomes the quote's total excl. tax and, when asked, it
    moves to its pipeline's won stage (its required fields missing: refused with their list, and the
    quote stays sent)."""
    locked = _lock(quote)
    _require_latest(locked)
    if locked.status != Quote.Status.SENT:
        raise ValidationError(_("Only a sent quote can be accepted."), code="not_sent")
    locked.status = Quote.Status.ACCEPTED
    locked.decided_at = timezone.now()
    locked.version_lock += 1
    _save(locked, actor=actor, reason=_("Accepted"))
    opportunity = locked.opportunity
    if move_to_won:
        opportunity_move_stage(
            opportunity=opportunity,
            stage=_won_stage(opportunity),
            actor=actor,
            values={"amount": locked.total_excl_tax, "currency": locked.currency},
        )
    else:
        current = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        current.amount = locked.total_excl_tax
        current.currency = locked.currency
        current.version += 1
        current._history_user = actor  # type: ignore[attr-defined]
        current._change_reason = _("Quote %(number)s accepted") % {"number": str(locked)}  # type: ignore[attr-defined]
        current.save(update_fields=["amount", "currency", "version", "updated_at"])
    return locked


@transaction.atomic
def quote_refuse(*, quote: Quote, actor: User, note: str = "") -> Quote:
    locked = _lock(quote)
    _require_latest(locked)
    if locked.status != Quote.Status.SENT:
        raise ValidationError(_("Only a sent quote can be refused."), code="not_sent")
    locked.status = Quote.Status.REFUSED
    locked.decided_at = timezone.now()
    if note:
        locked.notes = f"{locked.notes}\n{note}".strip()
    locked.version_lock += 1
    _save(locked, actor=actor, reason=_("Refused"))
    return locked


@transaction.atomic
def quote_new_version(*, quote: Quote, actor: User) -> Quote:
    """A draft copy of the quote and its lines under the same number, version + 1; the old one becomes
    superseded. An accepted quote is final."""
    locked = _lock(quote)
    _require_latest(locked)
    if locked.status == Quote.Status.ACCEPTED:
        raise ValidationError(_("An accepted quote cannot have a new version."), code="accepted")
    lines = list(locked.lines.all())
    previous_pk = locked.pk
    locked.status = Quote.Status.SUPERSEDED
    locked.version_lock += 1
    _save(locked, actor=actor, reason=_("Superseded by a new version"))
    copy = Quote.objects.get(pk=previous_pk)
    copy.pk = None
    copy.id = None
    copy._state.adding = True
    copy.version = locked.version + 1
    copy.previous_version_id = previous_pk
    copy.status = Quote.Status.DRAFT
    copy.issue_date = timezone.localdate()
    copy.valid_until = max(copy.valid_until, copy.issue_date)
    copy.created_by = actor
    copy.created_at = timezone.now()
    copy.sent_at = None
    copy.decided_at = None
    copy.approval_note = ""
    copy.version_lock = 1
    _save(copy, actor=actor, reason=_("New version"))
    search.index(locked)  # superseded: no longer found
    search.index(copy)
    for line in lines:
        line.pk = None
        line.id = None
        line._state.adding = True
        line.quote = copy
        _save(line, actor=actor)
    return _recompute(copy, actor=actor)


def quote_expire_overdue(*, today: datetime.date | None = None) -> int:
    """Sent quotes whose validity date has passed become expired (in the active tenant). Idempotent:
    an expired quote is no longer "sent". Each one saved, so its history records the change."""
    today = today or timezone.localdate()
    expired = 0
    for quote_id in Quote.objects.filter(status=Quote.Status.SENT, valid_until__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            quote = (
                Quote.objects.select_for_update(skip_locked=True)
                .filter(pk=quote_id, status=Quote.Status.SENT)
                .first()
            )
            if quote is None:
                continue
            quote.status = Quote.Status.EXPIRED
            quote.version_lock += 1
            _save(quote, actor=None, reason=_("Validity date passed"))
            expired += 1
    return expired
