"""Quote pages: the editor through htmx, actions, the PDF, the awaiting-approval list, the catalogue,
and the doors that stay shut (another tenant's quote, a role that may not change it)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from crm.models import Membership, Tenant
from crm.roles import Role
from crm.tenancy import tenant_scope
from opportunities.models import Opportunity, Quote
from opportunities.services import quotes as services
from tests.opportunities.factories import (
    CompanyProfileFactory,
    OpportunityFactory,
    PriceFactory,
    ProductFactory,
    make_quote,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def pdf_text(content: bytes) -> str:
    """The PDF's text, spaces normalised (poppler's pdftotext: pypdf is not a dependency)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is missing: apt-get install -y poppler-utils")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def _client(membership: Membership, language: str = "fr") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(membership.user)
    return client


def _quote(tenant: Tenant, owner: Membership, **kwargs: Any) -> Quote:
    with tenant_scope(tenant):
        opportunity = OpportunityFactory(owner=owner.user, account__owner=owner.user)
        return make_quote(opportunity=opportunity, author=owner.user, **kwargs)  # type: ignore[return-value]


def test_a_rep_creates_a_quote_from_the_opportunity_and_adds_a_catalogue_line_with_htmx(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        opportunity = OpportunityFactory(owner=rep.user, account__owner=rep.user)
        product = ProductFactory(name="Licence CRM", default_vat_rate="20.00")
        price = PriceFactory(product=product, unit_price=Decimal("480.00"))
    client = _client(rep)

    created = client.post(
        f"/t/durand/quotes/new/{opportunity.pk}/", {"price_list": price.price_list_id, "language": "fr"}
    )
    with tenant_scope(tenant):
        quote = Quote.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/t/durand/quotes/{quote.pk}/"

    response = client.post(
        f"/t/durand/quotes/{quote.pk}/lines/",
        {
            "new-product": product.pk,
            "new-quantity": "3",
            "new-discount_kind": "percent",
            "new-discount_value": "0",
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="quote-body">')
    assert "1\u00a0440,00\u00a0€" in body  # total excl. tax, French format
    with tenant_scope(tenant):
        quote.refresh_from_db()
    assert (quote.total_excl_tax, quote.total_incl_tax) == (Decimal("1440.00"), Decimal("1728.00"))


def test_a_negative_quantity_answers_with_the_message_and_adds_nothing(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    quote = _quote(tenant, rep)

    response = _client(rep, "en").post(
        f"/t/durand/quotes/{quote.pk}/lines/",
        {
            "new-description": "Audit",
            "new-quantity": "-2",
            "new-unit_price": "100",
            "new-discount_kind": "percent",
            "new-discount_value": "0",
        },
        headers=HTMX,
    )

    assert response.status_code == 200  # htmx swaps 2xx only: the editor comes back with the message
    assert "The quantity must be greater than zero." in response.content.decode()
    with tenant_scope(tenant):
        assert quote.lines.count() == 0


def test_sending_over_the_limit_is_refused_until_the_manager_approves_from_the_page(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    quote = _quote(tenant, rep)
    with tenant_scope(tenant):
        services.quote_line_add(quote=quote, actor=rep.user, description="Licence", quantity=Decimal("1"),
                                unit_price=Decimal("1000"), discount_value=Decimal("20"))  # fmt: skip

    refused = _client(rep).post(f"/t/durand/quotes/{quote.pk}/send/", headers=HTMX)
    assert refused.status_code == 200
    assert "dépasse votre limite" in refused.content.decode()

    inbox = _client(manager).get("/t/durand/quotes/?awaiting=1")
    assert [row.pk for row in inbox.context["quotes"]] == [quote.pk]
    approved = _client(manager).post(f"/t/durand/quotes/{quote.pk}/approve/", {"note": "OK"}, headers=HTMX)
    assert approved.status_code == 200
    sent = _client(rep).post(f"/t/durand/quotes/{quote.pk}/send/")
    assert sent.status_code == 302
    with tenant_scope(tenant):
        quote.refresh_from_db()
    assert (quote.status, quote.approval, quote.approved_by) == ("sent", "approved", manager.user)


def test_accepting_from_the_page_updates_the_opportunity_and_moves_it_to_won(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    quote = _quote(tenant, rep)
    with tenant_scope(tenant):
        services.quote_line_add(quote=quote, actor=rep.user, description="Audit", quantity=Decimal("2"),
                                unit_price=Decimal("750"))  # fmt: skip
        services.quote_send(quote=quote, actor=rep.user)

    response = _client(rep).post(f"/t/durand/quotes/{quote.pk}/accept/", {"move_to_won": "on"})

    assert response.status_code == 302
    with tenant_scope(tenant):
        opportunity = Opportunity.objects.get(pk=quote.opportunity_id)
        assert (opportunity.amount, opportunity.stage.outcome) == (Decimal("1500.00"), "won")


def test_the_pdf_is_served_inline_with_the_number_totals_and_legal_mentions(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        CompanyProfileFactory()
    quote = _quote(tenant, rep, commitment_months=12, tacit_renewal=True)
    with tenant_scope(tenant):
        services.quote_line_add(quote=quote, actor=rep.user, description="Licence", quantity=Decimal("12"),
                                unit_price=Decimal("1049.90"), vat_rate="20.00")  # fmt: skip
        services.quote_line_add(quote=quote, actor=rep.user, description="Guide", quantity=Decimal("2"),
                                unit_price=Decimal("19.99"), vat_rate="5.50")  # fmt: skip

    response = _client(rep).get(f"/t/durand/quotes/{quote.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    for expected in (
        quote.number, "12 638,78 €", "15 160,74 €", "Total HT", "Total TTC", "SIRET 73282932000074",
        "FR44732829320", "RCS Paris", "SAS", "au capital de 150 000,00 €", "Bon pour accord", "40 €",
        "L441-10", "Engagement : 12 mois.", "tacite reconduction", "5,5 %",
    ):  # fmt: skip
        assert expected in text, expected


def test_the_pdf_in_english(tenant: Tenant, member: Callable[..., Membership]) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    quote = _quote(tenant, rep, language="en")
    with tenant_scope(tenant):
        services.quote_line_add(quote=quote, actor=rep.user, description="Licence", quantity=Decimal("1"),
                                unit_price=Decimal("1234.56"))  # fmt: skip
    response = _client(rep).get(f"/t/durand/quotes/{quote.pk}/pdf/")
    text = pdf_text(response.content)

    assert "Approved, agreed" in text
    assert "€1,481.47" in text


@pytest.mark.parametrize("suffix", ["", "pdf/", "send/", "lines/"])
def test_another_tenants_quote_answers_404(
    tenant: Tenant, other_tenant: Tenant, member: Callable[..., Membership], suffix: str
) -> None:
    theirs = _quote(other_tenant, member(other_tenant, Role.FIELD_SALES_REP))
    mine = member(tenant, Role.TENANT_ADMIN)
    client = _client(mine)

    response = (
        client.post(f"/t/durand/quotes/{theirs.pk}/{suffix}")
        if suffix in ("send/", "lines/")
        else client.get(f"/t/durand/quotes/{theirs.pk}/{suffix}")
    )

    assert response.status_code == 404
    with tenant_scope(other_tenant):
        assert Quote.objects.get(pk=theirs.pk).status == Quote.Status.DRAFT


def test_a_colleagues_rep_may_read_but_not_change_a_quote(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    owner = member(tenant, Role.FIELD_SALES_REP)
    finance = member(tenant, Role.FINANCE)
    quote = _quote(tenant, owner)

    shown = _client(finance).get(f"/t/durand/quotes/{quote.pk}/")
    refused = _client(finance).post(
        f"/t/durand/quotes/{quote.pk}/lines/",
        {
            "new-description": "X",
            "new-quantity": "1",
            "new-unit_price": "1",
            "new-discount_kind": "percent",
            "new-discount_value": "0",
        },
    )

    assert shown.status_code == 200
    assert shown.context["may_edit"] is False
    assert refused.status_code == 403
    with tenant_scope(tenant):
        assert quote.lines.count() == 0


def test_the_quote_list_costs_the_same_queries_for_1_or_20_quotes(
    tenant: Tenant, member: Callable[..., Membership], django_assert_max_num_queries: Any
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    _quote(tenant, manager)
    client = _client(manager)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/t/durand/quotes/")
    for _ in range(19):
        _quote(tenant, manager)

    with django_assert_max_num_queries(len(one)):
        response = client.get("/t/durand/quotes/")
    assert len(response.context["quotes"]) == 20
    assert response.context["next_url"] == ""


def test_the_quote_list_pages_by_keyset(tenant: Tenant, member: Callable[..., Membership]) -> None:
    from opportunities.quotes import views

    manager = member(tenant, Role.SALES_MANAGER)
    quotes = [_quote(tenant, manager) for _ in range(views.LIST_SIZE + 2)]
    client = _client(manager)

    first = client.get("/t/durand/quotes/")
    second = client.get(f"/t/durand/quotes/{first.context['next_url']}")

    assert [quote.pk for quote in first.context["quotes"]] == [
        quote.pk for quote in quotes[::-1][: views.LIST_SIZE]
    ]
    assert [quote.pk for quote in second.context["quotes"]] == [quotes[1].pk, quotes[0].pk]
    assert (second.context["next_url"], second.context["first_url"]) == ("", "?")


def test_the_product_catalogue_hides_the_purchase_cost_from_reps(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    with tenant_scope(tenant):
        ProductFactory(code="LIC-PRO", name="Licence Pro", purchase_cost=Decimal("96.00"))
    rep, manager = member(tenant, Role.FIELD_SALES_REP), member(tenant, Role.SALES_MANAGER)

    for_rep = _client(rep).get("/t/durand/quotes/products/").content.decode()
    for_manager = _client(manager).get("/t/durand/quotes/products/").content.decode()

    assert "Licence Pro" in for_rep
    assert "96,00" not in for_rep
    assert "96,00" in for_manager


def test_a_role_that_may_not_read_discounts_sees_prices_and_totals_only(
    tenant: Tenant, member: Callable[..., Membership]
) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    marketing = member(tenant, Role.MARKETING_MANAGER)
    with tenant_scope(tenant):
        # An opportunity the marketing manager sees (their own), quoted by the director.
        opportunity = OpportunityFactory(owner=marketing.user, account__owner=marketing.user)
        quote: Any = make_quote(opportunity=opportunity, author=director.user)
        services.quote_line_add(
            quote=quote,
            actor=director.user,
            description="Licence",
            quantity=Decimal("1"),
            unit_price=Decimal("1000"),
            discount_value=Decimal("37"),
        )

    for_marketing = _client(marketing).get(f"/t/durand/quotes/{quote.pk}/").content.decode()
    for_director = _client(director).get(f"/t/durand/quotes/{quote.pk}/").content.decode()

    assert "630,00" in for_marketing  # the line's total
    assert "37\u00a0%" not in for_marketing
    assert "37\u00a0%" in for_director


def test_the_opportunity_pages_quotes_panel_lists_its_quotes_and_offers_a_new_one(
    tenant: Tenant, member: Callable[..., Membership], rf: Any
) -> None:
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import get_script_prefix, set_script_prefix, set_urlconf

    rep = member(tenant, Role.FIELD_SALES_REP)
    quote = _quote(tenant, rep)
    request = rf.get("/t/durand/opportunities/1/")
    request.user = rep.user
    # As the tenant middleware does for the opportunity page that includes the panel.
    previous = get_script_prefix()
    set_urlconf(settings.CRM_TENANT_URLCONF)
    set_script_prefix("/t/durand/")
    try:
        with tenant_scope(tenant, membership=rep):
            html = render_to_string(
                "opportunities/quotes/panel.html", {"opportunity": quote.opportunity}, request=request
            )
    finally:
        set_urlconf(None)
        set_script_prefix(previous)

    assert f'href="/t/durand/quotes/{quote.pk}/"' in html
    assert quote.number in html
    assert f'action="/t/durand/quotes/new/{quote.opportunity_id}/"' in html
