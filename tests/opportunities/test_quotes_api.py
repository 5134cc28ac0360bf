"""The quotes API: the same services as the pages, field policies, foreign quote 404, the PDF."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from crm.models import Membership, Tenant
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from opportunities.models import Opportunity, Quote
from tests.opportunities.factories import OpportunityFactory, PriceFactory, ProductFactory, make_quote

pytestmark = pytest.mark.django_db


def _api(
    tenant: Tenant, member: Callable[..., Membership], role: str = Role.SALES_DIRECTOR
) -> tuple[Client, Membership]:
    creator = member(tenant, role)
    with tenant_scope(tenant):
        key = api_key_create(tenant=tenant, name="ERP", role=role, actor=creator.user)[1]
    return Client(headers={"authorization": f"Bearer {key}", "accept-language": "en"}), creator


def test_a_quote_is_created_filled_sent_and_accepted_through_the_api(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    client, director = _api(tenant, member)
    with tenant_scope(tenant):
        opportunity = OpportunityFactory(owner=director.user, account__owner=director.user)
        product = ProductFactory(default_vat_rate="10.00")
        price = PriceFactory(product=product, unit_price=Decimal("99.99"))

    created = client.post(
        "/api/v1/quotes/",
        {"opportunity": opportunity.pk, "price_list": price.price_list_id},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    quote_id = created.json()["id"]
    line = client.post(
        f"/api/v1/quotes/{quote_id}/lines/",
        {"product": product.pk, "quantity": "3"},
        content_type="application/json",
    )
    assert line.status_code == 201, line.json()
    assert (line.json()["total_excl_tax"], line.json()["total_tax"], line.json()["total_incl_tax"]) == (
        "299.97", "30.00", "329.97"
    )  # fmt: skip
    sent = client.post(f"/api/v1/quotes/{quote_id}/send/", {}, content_type="application/json")
    assert sent.json()["status"] == "sent"
    accepted = client.post(f"/api/v1/quotes/{quote_id}/accept/", {}, content_type="application/json")

    assert accepted.status_code == 200
    with tenant_scope(tenant):
        opportunity = Opportunity.objects.get(pk=opportunity.pk)
        assert (opportunity.amount, opportunity.stage.outcome) == (Decimal("299.97"), "won")
        assert Quote.objects.get(pk=quote_id).history.first().history_user == director.user


def test_a_negative_quantity_is_refused_with_its_message(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    client, director = _api(tenant, member)
    with tenant_scope(tenant):
        quote: Any = make_quote(author=director.user)

    response = client.post(
        f"/api/v1/quotes/{quote.pk}/lines/",
        {"description": "Audit", "quantity": "-1", "unit_price": "10"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "The quantity must be greater than zero." in str(response.json())
    with tenant_scope(tenant):
        assert quote.lines.count() == 0


def test_the_pdf_is_served_as_application_pdf(tenant: Tenant, member: Callable[..., Membership]) -> None:
    client, director = _api(tenant, member)
    with tenant_scope(tenant):
        quote: Any = make_quote(author=director.user)

    response = client.get(f"/api/v1/quotes/{quote.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("suffix", ["", "pdf/", "send/"])
def test_another_tenants_quote_answers_404(
    tenant: Tenant, other_tenant: Tenant, member: Callable[..., Membership], suffix: str
) -> None:
    client, _director = _api(tenant, member)
    with tenant_scope(other_tenant):
        theirs: Any = make_quote()

    url = f"/api/v1/quotes/{theirs.pk}/{suffix}"
    response = client.post(url, {}, content_type="application/json") if suffix == "send/" else client.get(url)

    assert response.status_code == 404
    with tenant_scope(other_tenant):
        assert Quote.objects.get(pk=theirs.pk).status == "draft"


def test_a_finance_key_reads_quotes_but_cannot_send_them(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    client, _finance = _api(tenant, member, Role.FINANCE)
    with tenant_scope(tenant):
        quote: Any = make_quote()

    assert client.get(f"/api/v1/quotes/{quote.pk}/").status_code == 200
    assert (
        client.post(f"/api/v1/quotes/{quote.pk}/send/", {}, content_type="application/json").status_code
        == 403
    )


def test_the_purchase_cost_is_left_out_for_roles_that_may_not_read_it(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    with tenant_scope(tenant):
        ProductFactory(purchase_cost=Decimal("12.00"))
    rep_client, _rep = _api(tenant, member, Role.FIELD_SALES_REP)
    finance_client, _finance = _api(tenant, member, Role.FINANCE)

    assert "purchase_cost" not in rep_client.get("/api/v1/products/").json()["results"][0]
    assert finance_client.get("/api/v1/products/").json()["results"][0]["purchase_cost"] == "12.00"


def test_the_quote_list_costs_the_same_queries_for_1_or_20_quotes(
    tenant: Tenant, member: Callable[..., Membership], django_assert_max_num_queries: Any
) -> None:
    client, director = _api(tenant, member)
    with tenant_scope(tenant):
        opportunity = OpportunityFactory(owner=director.user, account__owner=director.user)
        make_quote(opportunity=opportunity)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/quotes/")
    with tenant_scope(tenant):
        for _ in range(19):
            make_quote(opportunity=opportunity)

    with django_assert_max_num_queries(len(one)):
        response = client.get("/api/v1/quotes/")
    assert len(response.json()["results"]) == 20
