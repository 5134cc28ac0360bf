"""Who may do what with quotes and the catalogue, per role, through the pages and the API.

The record is a quote of an opportunity the person owns (a quote's visibility is its opportunity's:
the other relations follow the opportunity's own matrix rows once its driver lands). An API key owns
nothing: its role alone decides (a change needs the role's reach over every opportunity)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from crm.models import Membership, Tenant
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from governance.visibility import COMPANY_WIDE_READERS
from opportunities.models import Quote
from opportunities.services.quotes import quote_line_add
from tests.opportunities.factories import OpportunityFactory, make_quote

pytestmark = pytest.mark.django_db

SALES = {
    Role.TENANT_ADMIN,
    Role.SALES_DIRECTOR,
    Role.SALES_MANAGER,
    Role.FIELD_SALES_REP,
    Role.INSIDE_SALES_REP,
}
READERS = {*SALES, Role.MARKETING_MANAGER, Role.FINANCE}
API_CHANGERS = {Role.TENANT_ADMIN, Role.SALES_DIRECTOR}

# role -> (page view, page add line, page catalogue, api view, api send)
EXPECTED = {
    role: (
        200 if role in READERS else 403,
        200 if role in SALES else 403,
        200 if role in READERS else 403,
        # A key of a role that reads only its own or its team's records reaches none (it owns nothing).
        (200 if role in COMPANY_WIDE_READERS else 404) if role in READERS else 403,
        200 if role in API_CHANGERS else 403,
    )
    for role in Role.values
}


@pytest.mark.parametrize("role", Role.values)
def test_quote_permissions_per_role(tenant: Tenant, member: Callable[..., Membership], role: str) -> None:
    viewer = member(tenant, role)
    with tenant_scope(tenant):
        opportunity = OpportunityFactory(owner=viewer.user, account__owner=viewer.user)
        quote: Quote = make_quote(opportunity=opportunity, author=viewer.user)  # type: ignore[assignment]
        quote_line_add(quote=quote, actor=viewer.user, description="Audit", quantity=Decimal("1"),
                       unit_price=Decimal("100"))  # fmt: skip
        key = api_key_create(tenant=tenant, name="Clé", role=role, actor=viewer.user)[1]
    page = Client(headers={"accept-language": "en"})
    page.force_login(viewer.user)
    api = Client(headers={"authorization": f"Bearer {key}"})

    observed = (
        page.get(f"/t/durand/quotes/{quote.pk}/").status_code,
        page.post(
            f"/t/durand/quotes/{quote.pk}/lines/",
            {
                "new-description": "Ajout",
                "new-quantity": "1",
                "new-unit_price": "5",
                "new-discount_kind": "percent",
                "new-discount_value": "0",
            },
            headers={"HX-Request": "true"},
        ).status_code,
        page.get("/t/durand/quotes/products/").status_code,
        api.get(f"/api/v1/quotes/{quote.pk}/").status_code,
        api.post(f"/api/v1/quotes/{quote.pk}/send/", {}, content_type="application/json").status_code,
    )

    assert observed == EXPECTED[role]
    with tenant_scope(tenant):
        stored = Quote.objects.get(pk=quote.pk)
        assert quote.lines.count() == (2 if role in SALES else 1)
        assert stored.status == ("sent" if role in API_CHANGERS else "draft")
