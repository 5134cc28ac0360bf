"""The arithmetic of a quote, with Decimal and ROUND_HALF_UP at the cent, free of the database so it
can be tested and reused (the page's live totals, the PDF, the API) without drift.

Order of the computation, the one French invoicing practice follows:
1. each line: gross = quantity x unit price (rounded to the cent), minus its discount (a percent of the
   gross, rounded, or an amount) = the line's total excl. tax;
2. the quote's global discount (a percent of the lines' sum, rounded, or an amount) is shared between
   the VAT rates in proportion of their bases (the last rate takes the rounding remainder, so the
   shares add up to the discount exactly);
3. VAT per rate = discounted base x rate, rounded to the cent; total incl. tax = excl. tax + VAT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount_kind: str  # "percent" or "amount"
    discount_value: Decimal
    vat_rate: str  # "20.00"


@dataclass(frozen=True)
class LineTotals:
    gross: Decimal
    discount: Decimal
    total_excl_tax: Decimal

    @property
    def discount_percent(self) -> Decimal:
        """The discount as a percent of the gross (an amount discount too), for the approval rules."""
        return cents(self.discount * HUNDRED / self.gross) if self.gross else ZERO


@dataclass(frozen=True)
class VatBreakdown:
    rate: str
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class QuoteTotals:
    lines: list[LineTotals]
    lines_total: Decimal
    global_discount: Decimal
    total_excl_tax: Decimal
    vat: list[VatBreakdown] = field(default_factory=list)
    total_tax: Decimal = ZERO
    total_incl_tax: Decimal = ZERO

    @property
    def global_discount_percent(self) -> Decimal:
        return cents(self.global_discount * HUNDRED / self.lines_total) if self.lines_total else ZERO

    @property
    def max_discount_percent(self) -> Decimal:
        """The largest effective discount: of any line, or of the quote as a whole."""
        return max([self.global_discount_percent, *(line.discount_percent for line in self.lines)])


def _discount(base: Decimal, kind: str, value: Decimal) -> Decimal:
    amount = cents(base * value / HUNDRED) if kind == "percent" else cents(value)
    return min(amount, base)


def line_totals(line: LineInput) -> LineTotals:
    gross = cents(line.quantity * line.unit_price)
    discount = _discount(gross, line.discount_kind, line.discount_value)
    return LineTotals(gross=gross, discount=discount, total_excl_tax=gross - discount)


def quote_totals(
    lines: Iterable[LineInput], *, global_discount_kind: str, global_discount_value: Decimal
) -> QuoteTotals:
    lines = list(lines)
    per_line = [line_totals(line) for line in lines]
    lines_total = sum((line.total_excl_tax for line in per_line), ZERO)
    global_discount = _discount(lines_total, global_discount_kind, global_discount_value)
    bases: dict[str, Decimal] = {}
    for line, totals in zip(lines, per_line, strict=True):
        bases[line.vat_rate] = bases.get(line.vat_rate, ZERO) + totals.total_excl_tax
    # Highest rate first, so the remainder of the shared discount lands on the same rate every time.
    rates = sorted(bases, key=Decimal, reverse=True)
    vat: list[VatBreakdown] = []
    shared = ZERO
    for index, rate in enumerate(rates):
        if index == len(rates) - 1:
            share = global_discount - shared
        else:
            share = cents(global_discount * bases[rate] / lines_total) if lines_total else ZERO
            shared += share
        base = bases[rate] - share
        vat.append(VatBreakdown(rate=rate, base=base, tax=cents(base * Decimal(rate) / HUNDRED)))
    total_excl_tax = lines_total - global_discount
    total_tax = sum((row.tax for row in vat), ZERO)
    return QuoteTotals(
        lines=per_line,
        lines_total=lines_total,
        global_discount=global_discount,
        total_excl_tax=total_excl_tax,
        vat=vat,
        total_tax=total_tax,
        total_incl_tax=total_excl_tax + total_tax,
    )
