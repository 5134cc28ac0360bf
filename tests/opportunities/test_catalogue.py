"""The catalogue services: products, price lists, prices, and the price of a product for a quote."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import Tenant
from crm.tenancy import tenant_scope
from opportunities.models import Product
from opportunities.services import catalogue
from tests.opportunities.factories import PriceListFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_a_product_is_created_changed_and_deactivated_with_its_history(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        product = catalogue.product_create(
            tenant=tenant,
            actor=None,
            code=" LIC-PRO ",
            name="Licence Pro",
            unit="licence",
            default_vat_rate="20.00",
        )
        catalogue.product_update(product=product, actor=None, name="Licence Pro 2026")
        catalogue.product_deactivate(product=product, actor=None)

        stored = Product.objects.get(pk=product.pk)
        assert (stored.code, stored.name, stored.is_active) == ("LIC-PRO", "Licence Pro 2026", False)
        assert stored.history.count() == 3


def test_a_second_product_with_the_same_code_is_refused(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        ProductFactory(code="LIC-PRO")

        with pytest.raises(ValidationError) as refused:
            catalogue.product_create(tenant=tenant, actor=None, code="LIC-PRO", name="Autre")

        assert refused.value.message_dict == {"code": ["Un produit a déjà ce code."]}
        assert Product.objects.count() == 1


def test_the_price_of_a_product_comes_from_the_list_and_a_list_in_another_currency_is_refused(
    tenant: Tenant,
) -> None:
    with tenant_scope(tenant):
        product = ProductFactory()
        euros = PriceListFactory(currency="EUR")
        dollars = PriceListFactory(name="US", currency="USD")
        catalogue.price_set(price_list=euros, product=product, unit_price=Decimal("120.00"), actor=None)
        catalogue.price_set(price_list=euros, product=product, unit_price=Decimal("110.00"), actor=None)

        assert catalogue.product_price(product=product, price_list=euros, currency="EUR") == Decimal("110.00")
        assert catalogue.product_price(product=product, price_list=None, currency="EUR") is None
        with pytest.raises(ValidationError) as refused:
            catalogue.product_price(product=product, price_list=dollars, currency="EUR")
        assert list(refused.value.message_dict) == ["price_list"]


def test_a_negative_price_is_refused(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        with pytest.raises(ValidationError) as refused:
            catalogue.price_set(
                price_list=PriceListFactory(), product=ProductFactory(), unit_price=Decimal("-1"), actor=None
            )
        assert refused.value.message_dict == {"unit_price": ["Un prix ne peut pas être négatif."]}


def test_the_lists_a_quote_may_use_are_valid_today_in_its_currency_and_segment(tenant: Tenant) -> None:
    from accounts.models import Segment

    today = datetime.date(2026, 6, 1)
    with tenant_scope(tenant):
        key_accounts = Segment.objects.create(name="Grands comptes")
        other = Segment.objects.create(name="PME")
        standard = PriceListFactory(name="Standard")
        key = PriceListFactory(name="Grands comptes", segment=key_accounts)
        PriceListFactory(name="PME", segment=other)
        PriceListFactory(name="Ancien", valid_until=datetime.date(2025, 12, 31))
        PriceListFactory(name="Dollars", currency="USD")

        found = catalogue.price_lists_for(currency="EUR", day=today, segment_id=key_accounts.pk)

        assert found == [key, standard]
