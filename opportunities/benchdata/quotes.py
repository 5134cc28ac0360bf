"""Benchmark quotes: lines from the catalogue (a few free ones), discounts, totals, gapless numbers.

The totals follow the order French invoicing uses (and the quote services): each line's gross rounded
to the cent, minus its discount; the global discount shared between the VAT rates in proportion of
their bases, the last rate taking the remainder; VAT per rate rounded to the cent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm.benchdata import BenchContext, copy_columns
from opportunities.benchdata.reference import TenantReference, copy_created
from opportunities.models import DiscountKind, Quote, QuoteLine, QuoteSequence, VatRate

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
NUMBER_PREFIX = "DEV"
VALIDITY = timedelta(days=30)
REP_DISCOUNT_LIMIT = Decimal(10)  # opportunities.services.defaults: above it, a manager approves
QUANTITIES = {"unit": (1, 40), "hour": (2, 60), "day": (1, 25), "month": (1, 36), "year": (1, 3)}
PAYMENT_TERMS = ("30 jours fin de mois", "45 jours fin de mois", "À réception de facture", "60 jours nets")
FREE_LINES = (
    "Frais de déplacement",
    "Prestation spécifique",
    "Reprise de l'existant",
    "Développement sur mesure",
)

QUOTE_COLUMNS = [
    "id", "tenant_id", "opportunity_id", "number", "sequence", "version", "previous_version_id", "status",
    "language", "contact_id", "price_list_id", "currency", "issue_date", "valid_until", "payment_terms",
    "commitment_months", "tacit_renewal", "indexation", "indexation_rate", "global_discount_kind",
    "global_discount_value", "total_excl_tax", "total_tax", "total_incl_tax", "max_discount_percent",
    "approval", "approved_by_id", "approved_at", "approval_note", "notes", "created_by_id", "created_at",
    "sent_at", "decided_at", "updated_at", "version_lock",
]  # fmt: skip
LINE_COLUMNS = [
    "id", "tenant_id", "quote_id", "position", "product_id", "description", "quantity", "unit", "unit_price",
    "discount_kind", "discount_value", "vat_rate", "total_excl_tax",
]  # fmt: skip


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class DraftQuote:
    """A quote before its number: numbers are given at the end, in the order of the issue dates."""

    opportunity_id: int
    contact_id: int | None
    issued_at: datetime
    owner: int
    lines: list[list[Any]]  # LINE_COLUMNS without id, tenant and quote (position first)
    global_discount: Decimal
    total_excl_tax: Decimal
    total_tax: Decimal
    max_discount_percent: Decimal
    status: str = Quote.Status.DRAFT
    sent_at: datetime | None = None
    decided_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def draft_quote(
    rng: random.Random, ref: TenantReference, *, opportunity_id: int, contact_id: int | None,
    issued_at: datetime, owner: int,
) -> DraftQuote:  # fmt: skip
    lines: list[list[Any]] = []
    line_percents: list[Decimal] = []
    bases: dict[str, Decimal] = {}
    products = rng.sample(ref.products, min(len(ref.products), 1 + rng.randrange(5)))
    for position, product in enumerate(products):
        roll = rng.random()
        discount = Decimal(0) if roll < 0.7 else Decimal(rng.choice((5, 10))) if roll < 0.95 else Decimal(15)
        if rng.random() < 0.1:  # a free line, without a product
            product_id, description, unit, vat = (
                None,
                rng.choice(FREE_LINES),
                "flat_fee",
                str(VatRate.STANDARD),
            )
            price = Decimal(rng.randrange(200, 6_000))
        else:
            product_id, description, unit, vat = product.id, product.name, product.unit, product.vat_rate
            price = ref.prices[product.id]
        low, high = QUANTITIES.get(unit, (1, 1))
        quantity = Decimal(rng.randint(low, high)).quantize(Decimal("0.001"))
        gross = cents(quantity * price)
        total = gross - min(cents(gross * discount / HUNDRED), gross)
        bases[vat] = bases.get(vat, ZERO) + total
        line_percents.append(discount)
        lines.append(
            [position, product_id, description, quantity, unit, price, DiscountKind.PERCENT.value,
             discount.quantize(CENT), vat, total]
        )  # fmt: skip
    lines_total = sum(bases.values(), ZERO)
    global_percent = Decimal(rng.choice((3, 5, 8))) if rng.random() < 0.15 else Decimal(0)
    global_discount = min(cents(lines_total * global_percent / HUNDRED), lines_total)
    tax, shared = ZERO, ZERO
    rates = sorted(bases, key=Decimal, reverse=True)
    for index, rate in enumerate(rates):
        if index == len(rates) - 1:
            share = global_discount - shared
        else:
            share = cents(global_discount * bases[rate] / lines_total) if lines_total else ZERO
            shared += share
        tax += cents((bases[rate] - share) * Decimal(rate) / HUNDRED)
    effective_global = cents(global_discount * HUNDRED / lines_total) if lines_total else ZERO
    return DraftQuote(
        opportunity_id=opportunity_id,
        contact_id=contact_id,
        issued_at=issued_at,
        owner=owner,
        lines=lines,
        global_discount=global_percent.quantize(CENT),
        total_excl_tax=lines_total - global_discount,
        total_tax=tax,
        max_discount_percent=max([effective_global, *line_percents]).quantize(CENT),
    )


def write_quotes(
    ctx: BenchContext, tenant_id: int, ref: TenantReference, drafts: list[DraftQuote], rng: random.Random
) -> None:
    """Number the tenant's quotes per year in the order they were issued (gapless, as the numbering
    service gives them), set the QuoteSequence of each year to its last number, and copy them."""
    drafts.sort(key=lambda draft: (draft.issued_at, draft.opportunity_id))
    quote_ids = ctx.ids("opportunities_quote", len(drafts))
    quotes: list[tuple[list[Any], datetime, int | None]] = []
    lines: list[tuple[list[Any], datetime, int | None]] = []
    last: dict[int, int] = {}
    for draft, quote_id in zip(drafts, quote_ids, strict=True):
        issue_date = draft.issued_at.date()
        sequence = last[issue_date.year] = last.get(issue_date.year, 0) + 1
        number = f"{NUMBER_PREFIX}-{issue_date.year}-{sequence:05d}"
        needs_approval = draft.max_discount_percent > REP_DISCOUNT_LIMIT
        approver = ref.approvers.get(draft.owner, draft.owner)
        if not needs_approval:
            approval, approved_by, approved_at = Quote.Approval.NOT_NEEDED, None, None
        elif draft.status == Quote.Status.DRAFT:
            approval, approved_by, approved_at = Quote.Approval.PENDING, None, None
        else:
            approval, approved_by, approved_at = Quote.Approval.APPROVED, approver, draft.issued_at
        commitment = rng.choice((None, None, 12, 24, 36))
        indexation = (
            rng.choice(("", "", Quote.Indexation.SYNTEC, Quote.Indexation.FIXED)) if commitment else ""
        )
        updated = draft.decided_at or draft.sent_at or draft.issued_at
        incl = draft.total_excl_tax + draft.total_tax
        row = [
            quote_id, tenant_id, draft.opportunity_id, number, sequence, 1, None, str(draft.status), "fr",
            draft.contact_id, ref.price_list, "EUR", issue_date, issue_date + VALIDITY,
            rng.choice(PAYMENT_TERMS), commitment, bool(commitment) and rng.random() < 0.6, str(indexation),
            Decimal("2.50") if indexation == Quote.Indexation.FIXED else None, DiscountKind.PERCENT.value,
            draft.global_discount, draft.total_excl_tax, draft.total_tax, incl,
            draft.max_discount_percent, str(approval), approved_by, approved_at,
            "Remise accordée pour un engagement pluriannuel." if approved_by else "", "", draft.owner,
            draft.issued_at, draft.sent_at, draft.decided_at, updated, 1,
        ]  # fmt: skip
        quotes.append((row, draft.issued_at, draft.owner))
        for line in draft.lines:
            lines.append(([0, tenant_id, quote_id, *line], draft.issued_at, draft.owner))
    for n, line_id in enumerate(ctx.ids("opportunities_quoteline", len(lines))):
        lines[n][0][0] = line_id
    copy_created(ctx, Quote, QUOTE_COLUMNS, quotes)
    copy_created(ctx, QuoteLine, LINE_COLUMNS, lines)
    sequences = [
        (ctx.next_id("opportunities_quotesequence"), tenant_id, year, value)
        for year, value in sorted(last.items())
    ]
    columns = copy_columns(QuoteSequence, ["id", "tenant_id", "year", "last_value"])
    ctx.copy("opportunities_quotesequence", columns, sequences)
