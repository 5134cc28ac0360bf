"""Opportunity pages: who sees what (404 for what a member may not see), filters, query budgets that do
not grow with rows, the detail's stage path and history, create (from an account too), edit, delete."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.roles import Role
from crm.tenancy import tenant_scope
from opportunities.models import Opportunity, StageChange
from opportunities.services import opportunity_create
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def logged_in(membership: Any) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def opportunity_of(tenant: Any, membership: Any, name: str, **extra: Any) -> Opportunity:
    with tenant_scope(tenant):
        account = AccountFactory(owner=membership.user)
        return opportunity_create(
            tenant=tenant,
            actor=membership.user,
            account=account,
            name=name,
            expected_close_date=extra.pop("expected_close_date", datetime.date(2027, 3, 31)),
            **extra,
        )


@pytest.fixture
def organisation(tenant: Any, member: Any) -> dict[str, Any]:
    director = member(tenant, Role.SALES_DIRECTOR)
    manager = member(tenant, Role.SALES_MANAGER, manager=director)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    return {
        "director": director,
        "manager": manager,
        "rep": rep,
        "colleague": colleague,
        "opportunities": {
            "rep": opportunity_of(tenant, rep, "Audit Petit", amount=Decimal("1250000.50")),
            "manager": opportunity_of(tenant, manager, "Flotte Moreau"),
            "colleague": opportunity_of(tenant, colleague, "Hôtel Lambert"),
        },
    }


def names_listed(response: Any) -> list[str]:
    return [row["opportunity"].name for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("rep", ["Audit Petit"]),
        ("manager", ["Audit Petit", "Flotte Moreau"]),
        ("director", ["Audit Petit", "Flotte Moreau", "Hôtel Lambert"]),
    ],
)
def test_the_list_shows_the_opportunities_each_role_may_see(
    organisation: Any, who: str, expected: list[str]
) -> None:
    response = logged_in(organisation[who]).get("/t/durand/opportunities/")

    assert response.status_code == 200
    assert sorted(names_listed(response)) == expected
    for name in {"Audit Petit", "Flotte Moreau", "Hôtel Lambert"} - set(expected):
        assert name not in response.text


def test_an_opportunity_the_member_may_not_see_is_a_404_like_a_foreign_one(
    organisation: Any, other_tenant: Any, member: Any
) -> None:
    client = logged_in(organisation["rep"])
    hidden = organisation["opportunities"]["colleague"]
    foreign = opportunity_of(other_tenant, member(other_tenant, Role.FIELD_SALES_REP), "Ailleurs")

    for pk in (hidden.pk, foreign.pk):
        assert client.get(f"/t/durand/opportunities/{pk}/").status_code == 404
        assert client.get(f"/t/durand/opportunities/{pk}/edit/").status_code == 404
        assert client.post(f"/t/durand/opportunities/{pk}/delete/", {"version": 1}).status_code == 404
    with tenant_scope(other_tenant):
        assert Opportunity.objects.filter(pk=foreign.pk).exists()


def test_the_list_filters_by_status_and_close_month(organisation: Any, tenant: Any) -> None:
    client = logged_in(organisation["director"])
    with tenant_scope(tenant):
        Opportunity.objects.filter(name="Flotte Moreau").update(expected_close_date=datetime.date(2027, 5, 2))

    may = client.get("/t/durand/opportunities/?close_month=2027-05")
    open_ones = client.get("/t/durand/opportunities/?status=open")
    won = client.get("/t/durand/opportunities/?status=won")

    assert names_listed(may) == ["Flotte Moreau"]
    assert len(names_listed(open_ones)) == 3
    assert names_listed(won) == []


def count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize("path", ["/t/durand/opportunities/", "/t/durand/opportunities/board/{pipeline}/"])
def test_list_and_board_cost_the_same_queries_for_1_or_30_rows(
    tenant: Any, member: Any, django_assert_max_num_queries: Any, path: str
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    client = logged_in(manager)
    first = opportunity_of(tenant, rep, "Une", amount=Decimal("100"))
    path = path.format(pipeline=first.pipeline_id)
    one = count_queries(client, path)
    for index in range(29):
        opportunity_of(tenant, rep, f"Autre {index:03d}", amount=Decimal("100"))

    with django_assert_max_num_queries(one):
        response = client.get(path)
    if "rows" in response.context:
        assert len(response.context["rows"]) == 30
    else:
        assert response.context["columns"][0]["totals"]["count"] == 30


def test_the_detail_shows_the_stage_path_amounts_in_french_and_the_stage_history(organisation: Any) -> None:
    opportunity = organisation["opportunities"]["rep"]

    response = logged_in(organisation["rep"]).get(f"/t/durand/opportunities/{opportunity.pk}/", **FRENCH)

    assert response.status_code == 200
    assert "1\u00a0250\u00a0000,50\u00a0€" in response.text
    assert 'aria-current="step"' in response.text
    assert [item["change"].to_stage.name for item in response.context["stage_changes"]] == ["Détection"]
    history = logged_in(organisation["rep"]).get(f"/t/durand/opportunities/{opportunity.pk}/?tab=history")
    assert len(history.context["history"]) == 1


def test_create_from_an_account_then_edit_with_a_probability_set_by_hand(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=rep.user))
    account = contact.account

    detail = client.get(f"/t/durand/accounts/{account.pk}/")
    assert f"/t/durand/opportunities/new/?account={account.pk}" in detail.text
    form = client.get(f"/t/durand/opportunities/new/?account={account.pk}")
    assert form.context["form"].initial["account"] == account.pk
    created = client.post(
        "/t/durand/opportunities/new/",
        {
            "name": "Refonte site",
            "account": account.pk,
            "currency": "EUR",
            "expected_close_date": "2027-06-30",
            "sale_type": "new_customer",
            "owner": rep.user.pk,
            "amount": "4500",
        },
    )
    assert created.status_code == 302, created.context["form"].errors
    with tenant_scope(tenant):
        opportunity = Opportunity.objects.select_related("stage").get(name="Refonte site")
    assert (opportunity.stage.name, opportunity.probability, opportunity.amount) == (
        "Détection",
        10,
        Decimal("4500"),
    )

    edited = client.post(
        f"/t/durand/opportunities/{opportunity.pk}/edit/",
        {
            "version": opportunity.version,
            "name": "Refonte site",
            "account": account.pk,
            "primary_contact": contact.pk,
            "currency": "EUR",
            "expected_close_date": "2027-06-30",
            "sale_type": "new_customer",
            "owner": rep.user.pk,
            "amount": "4500",
            "probability": "30",
        },
    )
    assert edited.status_code == 302, edited.context["form"].errors
    page = client.get(f"/t/durand/opportunities/{opportunity.pk}/")
    assert "saisie à la main" in page.text
    with tenant_scope(tenant):
        opportunity.refresh_from_db()
    assert (opportunity.probability, opportunity.probability_overridden, opportunity.primary_contact_id) == (
        30,
        True,
        contact.pk,
    )


def test_a_stale_edit_is_refused_and_changes_nothing(organisation: Any, tenant: Any) -> None:
    opportunity = organisation["opportunities"]["rep"]
    client = logged_in(organisation["rep"])

    response = client.post(
        f"/t/durand/opportunities/{opportunity.pk}/edit/",
        {
            "version": 99,
            "name": "Autre nom",
            "account": opportunity.account_id,
            "currency": "EUR",
            "expected_close_date": "2027-03-31",
            "sale_type": "new_customer",
            "owner": organisation["rep"].user.pk,
        },
    )

    assert response.status_code == 200
    assert "a modifié cette opportunité depuis que vous" in response.text
    with tenant_scope(tenant):
        assert Opportunity.objects.get(pk=opportunity.pk).name == "Audit Petit"


def test_a_rep_may_not_delete_and_the_director_may(organisation: Any, tenant: Any) -> None:
    opportunity = organisation["opportunities"]["rep"]

    refused = logged_in(organisation["rep"]).post(
        f"/t/durand/opportunities/{opportunity.pk}/delete/", {"version": opportunity.version}
    )
    assert refused.status_code == 403
    with tenant_scope(tenant):
        assert Opportunity.objects.filter(pk=opportunity.pk).exists()

    deleted = logged_in(organisation["director"]).post(
        f"/t/durand/opportunities/{opportunity.pk}/delete/", {"version": opportunity.version}
    )
    assert deleted.status_code == 302
    with tenant_scope(tenant):
        assert not Opportunity.objects.filter(pk=opportunity.pk).exists()
        assert not StageChange.objects.filter(opportunity_id=opportunity.pk).exists()
