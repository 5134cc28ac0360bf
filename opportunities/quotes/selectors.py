"""Reads of quotes and the catalogue, through record visibility: a quote is visible with its opportunity."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.models import Membership
from opportunities.models import Opportunity, Price, PriceList, Product, Quote


def quote_list(*, membership: Membership, awaiting_approval: bool = False) -> QuerySet[Quote]:
    quotes = Quote.objects.visible_to(membership).select_related(  # type: ignore[attr-defined]
        "opportunity", "opportunity__account", "created_by"
    )
    if awaiting_approval:
        quotes = quotes.filter(approval=Quote.Approval.PENDING, status=Quote.Status.DRAFT)
    return quotes.order_by("-sequence", "-version")


def quote_get(*, membership: Membership, pk: int) -> Quote:
    """Raises Quote.DoesNotExist for another tenant's quote and for one the member may not see."""
    return (
        quote_list(membership=membership)
        .select_related("price_list", "contact", "approved_by", "opportunity__pipeline", "opportunity__stage")
        .get(pk=pk)
    )


def opportunity_quotes(*, opportunity: Opportunity) -> QuerySet[Quote]:
    return (
        Quote.objects.filter(opportunity=opportunity)
        .select_related("created_by")
        .order_by("-sequence", "-version")
    )


def opportunity_get(*, membership: Membership, pk: int) -> Opportunity:
    return Opportunity.objects.visible_to(membership).select_related("account").get(pk=pk)  # type: ignore[attr-defined]


def product_list(*, active_only: bool = True, search: str = "") -> QuerySet[Product]:
    products = Product.objects.all()
    if active_only:
        products = products.filter(is_active=True)
    if search:
        products = products.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return products.order_by("code")


def price_list_list() -> QuerySet[PriceList]:
    return PriceList.objects.select_related("segment").order_by("name")


def prices_of(price_list: PriceList | None) -> dict[int, object]:
    """Product id → unit price in the list (one query)."""
    if price_list is None:
        return {}
    return dict(Price.objects.filter(price_list=price_list).values_list("product_id", "unit_price"))
