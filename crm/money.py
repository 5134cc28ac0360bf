"""Money shown to people, in the active language's format."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats, translation

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF"}


def format_money(amount: Decimal | None, currency: str) -> str:
    """Money in the active language: "1 250 000,00 €" in French, "€1,250,000.00" in English."""
    if amount is None:
        return ""
    number = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if (translation.get_language() or "").startswith("fr") or len(symbol) > 1:
        return f"{number}\u00a0{symbol}"
    return f"{symbol}{number}"
