"""The tenant admin of the catalogue and quotes settings: products, price lists with their prices
inline, discount limits and the one company profile; closed to every other role."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from crm.models import Membership, Tenant
from crm.roles import Role
from crm.tenancy import tenant_scope
from opportunities.models import CompanyProfile, Price
from tests.opportunities.factories import CompanyProfileFactory, PriceListFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _client(membership: Membership) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "admin/opportunities/product/add/",
        "admin/opportunities/pricelist/add/",
        "admin/opportunities/discountlimit/",
        "admin/opportunities/companyprofile/add/",
    ],
)
def test_the_admin_pages_open_for_the_company_administrator_only(
    tenant: Tenant, member: Callable[..., Membership], path: str
) -> None:
    admin, director = member(tenant, Role.TENANT_ADMIN), member(tenant, Role.SALES_DIRECTOR)

    assert _client(admin).get(f"/t/durand/{path}").status_code == 200
    assert _client(director).get(f"/t/durand/{path}").status_code == 404


def test_prices_are_edited_inline_in_their_price_list(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        product = ProductFactory()
        price_list = PriceListFactory(name="Standard")

    response = _client(admin).post(
        f"/t/durand/admin/opportunities/pricelist/{price_list.pk}/change/",
        {
            "name": "Standard",
            "currency": "EUR",
            "is_active": "on",
            "prices-TOTAL_FORMS": "1",
            "prices-INITIAL_FORMS": "0",
            "prices-0-product": product.pk,
            "prices-0-unit_price": "480.00",
        },
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        assert list(Price.objects.values_list("product_id", "unit_price")) == [
            (product.pk, Decimal("480.00"))
        ]


def test_the_company_profile_cannot_be_added_twice(tenant: Tenant, member: Callable[..., Membership]) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        CompanyProfileFactory()

    assert _client(admin).get("/t/durand/admin/opportunities/companyprofile/add/").status_code == 403
    with tenant_scope(tenant):
        assert CompanyProfile.objects.count() == 1
