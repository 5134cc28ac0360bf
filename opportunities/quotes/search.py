"""Quotes in the global search (governance.search): found by number (with or without its version),
customer and opportunity name; visible when their opportunity is."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.models import Membership
from governance import search
from opportunities.models import Quote

QUOTE = "opportunities.quote"


def quote_document(quote: Quote) -> search.Document | None:
    if quote.status == Quote.Status.SUPERSEDED:
        return None  # the latest version is the one found
    opportunity = quote.opportunity
    return search.Document(
        title=str(quote),
        subtitle=f"{opportunity.account} · {opportunity.name}",
        text=" ".join(
            [quote.number, quote.number.replace("-", ""), str(opportunity.account), opportunity.name]
        ),
    )


def visible_quotes(membership: Membership, ids: list[int]) -> Iterable[Quote]:
    return Quote.objects.visible_to(membership).filter(pk__in=ids).select_related("opportunity__account")  # type: ignore[attr-defined]


def register_quote_search() -> None:
    search.register(
        search.SearchType(
            object_type=QUOTE,
            model=Quote,
            indexer=quote_document,
            visible=visible_quotes,
            url=lambda quote: reverse("quotes:quote_detail", args=[quote.pk]),
            label=_("Quotes"),
            permission="opportunities.view_quote",
            order=40,
            rebuild_queryset=lambda: Quote.objects.select_related("opportunity__account"),
        )
    )
