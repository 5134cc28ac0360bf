"""An account's page lists its opportunities (crm.panels): open ones first, only those the member
may see, in a number of queries that does not grow with them; roles without opportunities see none."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.roles import Role
from crm.tenancy import tenant_scope
from opportunities.models import Stage
from tests.accounts.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def _client(membership) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(membership.user)
    return client


def test_the_account_page_lists_its_visible_opportunities_open_first(tenant, member) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    other = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user, legal_name="Verrerie Lumière")
        OpportunityFactory(account=account, owner=rep.user, name="Renouvellement 2026")
        first = OpportunityFactory(
            account=account, owner=rep.user, name="Extension atelier", amount=Decimal("12000")
        )
        won = Stage.objects.get(pipeline=first.pipeline, outcome=Stage.Outcome.WON)
        OpportunityFactory(
            account=account,
            owner=rep.user,
            name="Contrat 2025",
            stage=won,
            expected_close_date=datetime.date(2025, 1, 1),
        )
        OpportunityFactory(account=account, owner=other.user, name="Affaire d'un collègue")

    page = _client(rep).get(f"/t/durand/accounts/{account.pk}/")

    panel = page.context["panels"][0]
    assert [item.name for item in panel["opportunities"]][-1] == "Contrat 2025"
    assert "Affaire d'un collègue" not in page.text
    assert panel["total"] == 3
    assert "Opportunities (3)" in page.text
    assert "€12,000.00" in page.text


def test_the_panel_costs_the_same_queries_for_one_or_twenty_opportunities(tenant, member) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        OpportunityFactory(account=account, owner=rep.user)
    client = _client(rep)
    client.get(f"/t/durand/accounts/{account.pk}/")  # warm the caches (permissions, defaults)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/t/durand/accounts/{account.pk}/")
    with tenant_scope(tenant):
        for _index in range(19):
            OpportunityFactory(account=account, owner=rep.user)

    with CaptureQueriesContext(connection) as twenty:
        page = client.get(f"/t/durand/accounts/{account.pk}/")

    assert len(twenty) <= len(one)
    assert "See all 20 opportunities" in page.text


def test_roles_without_opportunities_see_no_panel(tenant, member) -> None:
    agent = member(tenant, Role.SUPPORT_AGENT)
    with tenant_scope(tenant):
        account = AccountFactory()
        OpportunityFactory(account=account, name="Affaire confidentielle")

    page = _client(agent).get(f"/t/durand/accounts/{account.pk}/")

    assert page.status_code == 200
    # Other apps' panels (the open tasks) may show; the opportunities' one does not.
    assert [panel for panel in page.context["panels"] if panel["template"].startswith("opportunities/")] == []
    assert "Affaire confidentielle" not in page.text
