"""Template filters of quotes and the catalogue: money and percentages in the active language."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats, translation

from crm.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """ "1 234,56 €" in French, "€1,234.56" in English."""
    return format_money(amount, currency)


@register.filter
def percent(value: Decimal | str | None) -> str:
    """ "5,5 %" in French, "5.5 %" in English: a VAT rate or a discount, without trailing zeros."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value)).normalize()
    text = formats.number_format(number, use_l10n=True)
    separator = "\u00a0" if (translation.get_language() or "").startswith("fr") else ""
    return f"{text}{separator}%"


@register.filter
def quantity(value: Decimal | None) -> str:
    if value is None:
        return ""
    return formats.number_format(Decimal(value).normalize(), use_l10n=True, force_grouping=True)


@register.simple_tag(takes_context=True)
def quotes_panel(context: template.Context, opportunity: object) -> dict[str, object]:
    """The opportunity page's quotes panel: its quotes and the "new quote" form when allowed."""
    from opportunities.quotes.views import opportunity_quotes_panel_context

    return opportunity_quotes_panel_context(request=context["request"], opportunity=opportunity)  # type: ignore[arg-type]
