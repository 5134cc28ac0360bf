"""/api/v1/opportunities/ and friends: same services as the pages (creation in the first stage, moves
with their required fields as a 400 naming them, 409 when stale), read-only stage history, pipelines
and catalogues, tenant isolation, query budgets that do not grow with rows."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope
from opportunities.models import Opportunity, Stage, StageChange
from opportunities.services import opportunity_create
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def key_for(tenant: Any, role: str, creator: Any = None) -> str:
    with tenant_scope(tenant):
        return api_key_create(tenant=tenant, name="ERP", role=role, actor=creator.user if creator else None)[
            1
        ]


def api(method: str, path: str, key: str, body: dict | None = None) -> Any:
    client = Client(headers={"authorization": f"Bearer {key}", "accept-language": "en"})
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body or {}, content_type="application/json")


@pytest.fixture
def admin(tenant: Any, member: Any) -> Any:
    return member(tenant, Role.TENANT_ADMIN)


def opportunity_of(tenant: Any, owner: Any, name: str = "Audit", **extra: Any) -> Opportunity:
    with tenant_scope(tenant):
        account = extra.pop("account", None) or AccountFactory(owner=owner.user)
        return opportunity_create(
            tenant=tenant,
            actor=owner.user,
            account=account,
            name=name,
            expected_close_date=datetime.date(2027, 3, 31),
            **extra,
        )


def test_create_then_read_an_opportunity(tenant: Any, admin: Any) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    with tenant_scope(tenant):
        account = AccountFactory(owner=admin.user)

    created = api(
        "post",
        "/api/v1/opportunities/",
        key,
        {
            "name": "Migration",
            "account": account.pk,
            "expected_close_date": "2027-05-31",
            "amount": "12000.00",
        },
    )
    listed = api("get", "/api/v1/opportunities/", key)

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["amount"], body["probability"], body["owner"], body["version"]) == (
        "12000.00",
        10,
        admin.user_id,
        1,
    )
    assert [row["name"] for row in listed.json()["results"]] == ["Migration"]
    with tenant_scope(tenant):
        assert StageChange.objects.filter(opportunity_id=body["id"]).count() == 1


def test_a_move_without_its_fields_is_a_400_listing_them_then_succeeds_with_values(
    tenant: Any, admin: Any
) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=admin.user))
    opportunity = opportunity_of(tenant, admin, account=contact.account)
    with tenant_scope(tenant):
        proposal = Stage.objects.get(pipeline__is_default=True, name="Proposition")

    refused = api(
        "post",
        f"/api/v1/opportunities/{opportunity.pk}/move-stage/",
        key,
        {"stage": proposal.pk, "version": 1},
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "missing_required_fields"
    assert refused.json()["error"]["missing_fields"] == ["amount", "primary_contact"]
    with tenant_scope(tenant):
        assert Opportunity.objects.get(pk=opportunity.pk).stage.name == "Détection"

    moved = api(
        "post",
        f"/api/v1/opportunities/{opportunity.pk}/move-stage/",
        key,
        {"stage": proposal.pk, "version": 1, "values": {"amount": "5000", "primary_contact": contact.pk}},
    )
    stale = api(
        "post",
        f"/api/v1/opportunities/{opportunity.pk}/move-stage/",
        key,
        {"stage": proposal.pk, "version": 1},
    )
    history = api("get", f"/api/v1/opportunities/{opportunity.pk}/stage-changes/", key)

    assert moved.status_code == 200, moved.json()
    assert (moved.json()["stage"], moved.json()["probability"], moved.json()["version"]) == (
        proposal.pk,
        50,
        2,
    )
    assert stale.status_code == 409
    assert [row["to_stage"] for row in history.json()["results"]] == [proposal.pk, opportunity.stage_id]


def test_patch_checks_the_version_and_refuses_a_stage(tenant: Any, admin: Any) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    opportunity = opportunity_of(tenant, admin)

    updated = api("patch", f"/api/v1/opportunities/{opportunity.pk}/", key, {"version": 1, "probability": 40})
    stale = api("patch", f"/api/v1/opportunities/{opportunity.pk}/", key, {"version": 1, "name": "Autre"})
    stage = api(
        "patch",
        f"/api/v1/opportunities/{opportunity.pk}/",
        key,
        {"version": 2, "stage": opportunity.stage_id},
    )

    assert updated.status_code == 200
    assert (updated.json()["probability"], updated.json()["probability_overridden"]) == (40, True)
    assert stale.status_code == 409
    assert stage.status_code == 400
    with tenant_scope(tenant):
        assert Opportunity.objects.get(pk=opportunity.pk).name == "Audit"


def test_foreign_opportunities_are_404_and_not_listed(
    tenant: Any, other_tenant: Any, admin: Any, member: Any
) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    foreign = opportunity_of(other_tenant, member(other_tenant, Role.TENANT_ADMIN), "Ailleurs")

    assert api("get", f"/api/v1/opportunities/{foreign.pk}/", key).status_code == 404
    assert api("get", f"/api/v1/opportunities/{foreign.pk}/stage-changes/", key).status_code == 404
    assert (
        api(
            "post", f"/api/v1/opportunities/{foreign.pk}/move-stage/", key, {"stage": 1, "version": 1}
        ).status_code
        == 404
    )
    assert api("get", "/api/v1/opportunities/", key).json()["results"] == []
    assert api("get", "/api/v1/stage-changes/", key).json()["results"] == []


def test_a_read_only_role_may_read_but_not_move(tenant: Any, admin: Any) -> None:
    key = key_for(tenant, Role.FINANCE, admin)
    opportunity = opportunity_of(tenant, admin)

    assert api("get", f"/api/v1/opportunities/{opportunity.pk}/", key).status_code == 200
    moved = api(
        "post",
        f"/api/v1/opportunities/{opportunity.pk}/move-stage/",
        key,
        {"stage": opportunity.stage_id, "version": 1},
    )
    assert moved.status_code == 403


def test_pipelines_catalogues_and_the_stage_change_report(tenant: Any, admin: Any) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    opportunity_of(tenant, admin, amount=Decimal("100"))

    pipelines = api("get", "/api/v1/pipelines/", key).json()["results"]
    reasons = api("get", "/api/v1/loss-reasons/", key).json()["results"]
    competitors = api("get", "/api/v1/competitors/", key)
    recent = api("get", "/api/v1/stage-changes/?since=2020-01-01T00:00:00Z", key).json()["results"]
    future = api("get", "/api/v1/stage-changes/?since=2100-01-01T00:00:00Z", key).json()["results"]
    bad = api("get", "/api/v1/stage-changes/?since=yesterday", key)

    assert [len(pipeline["stages"]) for pipeline in pipelines] == [7]
    assert len(reasons) == 6
    assert competitors.status_code == 200
    assert [(row["amount"], row["probability"]) for row in recent] == [("100.00", 10)]
    assert future == []
    assert bad.status_code == 400


def test_the_list_costs_the_same_queries_for_1_or_20_rows(
    tenant: Any, admin: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    opportunity_of(tenant, admin)
    with CaptureQueriesContext(connection) as one:
        api("get", "/api/v1/opportunities/", key)
    for index in range(19):
        opportunity_of(tenant, admin, f"Autre {index}")

    with django_assert_max_num_queries(len(one)):
        response = api("get", "/api/v1/opportunities/", key)
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize(
    "query",
    [
        "since=0224-04-08T09%3A00%3A38-19%3A27&until=0087-12-17T03%3A10%3A03Z",
        "since=0001-01-01T00%3A00%3A00%2B05%3A00",
    ],
)
def test_odd_dates_of_the_stage_change_report_answer_without_error(
    tenant: Any, admin: Any, query: str
) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)

    response = api("get", f"/api/v1/stage-changes/?{query}", key)

    assert response.status_code in (200, 400)
