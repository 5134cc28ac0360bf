"""Writes and reads of the product catalogue and price lists: products, price lists with validity and
segment, prices; and the price of a product for a quote."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Tenant, User
from opportunities.models import Price, PriceList, Product


def _save(instance: Any, *, actor: User | None) -> None:
    instance._history_user = actor
    instance.full_clean(exclude=["tenant"])
    instance.save()


@transaction.atomic
def product_create(*, tenant: Tenant, actor: User | None, code: str, name: str, **fields: Any) -> Product:
    product = Product(tenant=tenant, code=code.strip(), name=name.strip(), **fields)
    if Product.objects.filter(code=product.code).exists():
        raise ValidationError({"code": _("A product already has this code.")})
    _save(product, actor=actor)
    return product


@transaction.atomic
def product_update(*, product: Product, actor: User | None, **fields: Any) -> Product:
    locked = Product.objects.select_for_update().get(pk=product.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    if "code" in fields and Product.objects.filter(code=locked.code).exclude(pk=locked.pk).exists():
        raise ValidationError({"code": _("A product already has this code.")})
    _save(locked, actor=actor)
    return locked


def product_deactivate(*, product: Product, actor: User | None) -> Product:
    """Inactive products stay on the quotes that carry them, and leave the product picker."""
    return product_update(product=product, actor=actor, is_active=False)


@transaction.atomic
def price_list_create(
    *, tenant: Tenant, actor: User | None, name: str, currency: str = "EUR", **fields: Any
) -> PriceList:
    price_list = PriceList(tenant=tenant, name=name.strip(), currency=currency.upper(), **fields)
    _save(price_list, actor=actor)
    return price_list


@transaction.atomic
def price_set(*, price_list: PriceList, product: Product, unit_price: Decimal, actor: User | None) -> Price:
    """The product's price in the list (created or changed)."""
    if unit_price < 0:
        raise ValidationError({"unit_price": _("A price cannot be negative.")})
    price = Price.objects.select_for_update().filter(price_list=price_list, product=product).first()
    if price is None:
        price = Price(tenant_id=price_list.tenant_id, price_list=price_list, product=product)
    price.unit_price = unit_price
    _save(price, actor=actor)
    return price


def price_list_is_valid_on(price_list: PriceList, day: date) -> bool:
    return (
        price_list.is_active
        and (price_list.valid_from is None or price_list.valid_from <= day)
        and (price_list.valid_until is None or day <= price_list.valid_until)
    )


def price_lists_for(*, currency: str, day: date, segment_id: int | None = None) -> list[PriceList]:
    """The active price lists a quote in `currency` may use on `day`: for every segment or the
    account's own."""
    candidates = PriceList.objects.filter(currency=currency, is_active=True).order_by("name")
    return [
        price_list
        for price_list in candidates
        if price_list_is_valid_on(price_list, day)
        and (price_list.segment_id is None or price_list.segment_id == segment_id)
    ]


def price_list_check_currency(*, price_list: PriceList, currency: str) -> None:
    if price_list.currency != currency:
        raise ValidationError(
            {
                "price_list": _(
                    "The price list “%(name)s” is in %(list_currency)s and the quote in %(currency)s: "
                    "choose a price list in %(currency)s."
                )
                % {"name": price_list.name, "list_currency": price_list.currency, "currency": currency}
            },
            code="currency_mismatch",
        )


def product_price(*, product: Product, price_list: PriceList | None, currency: str) -> Decimal | None:
    """The product's unit price excl. tax for a quote in `currency` using `price_list`; None when the
    list has no price for it (the line's price is then typed in). A list in another currency is refused."""
    if price_list is None:
        return None
    price_list_check_currency(price_list=price_list, currency=currency)
    price = Price.objects.filter(price_list=price_list, product=product).values_list("unit_price", flat=True)
    return price.first()
