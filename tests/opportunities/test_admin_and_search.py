"""The tenant admin of the pipeline (stages inline, required fields chosen among the opportunity's own
fields, one default pipeline) and the global search over opportunities (visibility applied)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from crm.roles import Role
from crm.tenancy import tenant_scope
from governance import search
from opportunities.models import Pipeline, Stage
from opportunities.services import opportunity_create, pipeline_defaults_ensure
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db


def admin_client(tenant: Any, member: Any) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(member(tenant, Role.TENANT_ADMIN).user)
    return client


def pipeline_form(name: str, stages: list[dict[str, Any]], *, is_default: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "position": "1",
        "is_active": "on",
        "stages-TOTAL_FORMS": str(len(stages)),
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
    }
    if is_default:
        data["is_default"] = "on"
    for index, stage in enumerate(stages):
        for key, value in stage.items():
            data[f"stages-{index}-{key}"] = value
    return data


def test_a_pipeline_with_its_stages_is_set_in_the_tenant_admin(tenant: Any, member: Any) -> None:
    client = admin_client(tenant, member)
    stages = [
        {"name": "À renouveler", "position": "0", "probability": "60", "outcome": "open", "is_active": "on"},
        {
            "name": "Renouvelé",
            "position": "1",
            "probability": "100",
            "outcome": "won",
            "required_fields": ["amount", "expected_signature_date"],
            "is_active": "on",
        },
    ]

    response = client.post(
        "/t/durand/admin/opportunities/pipeline/add/", pipeline_form("Renouvellements", stages)
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        pipeline = Pipeline.objects.get(name="Renouvellements")
        assert list(
            pipeline.stages.order_by("position").values_list("name", "probability", "required_fields")
        ) == [
            ("À renouveler", 60, []),
            ("Renouvelé", 100, ["amount", "expected_signature_date"]),
        ]


def test_unknown_required_fields_and_a_second_default_are_refused(tenant: Any, member: Any) -> None:
    client = admin_client(tenant, member)
    with tenant_scope(tenant):
        pipeline_defaults_ensure(tenant=tenant)
    stages = [
        {
            "name": "Étape",
            "position": "0",
            "probability": "10",
            "outcome": "open",
            "required_fields": ["version"],
            "is_active": "on",
        }
    ]

    response = client.post(
        "/t/durand/admin/opportunities/pipeline/add/", pipeline_form("Autre", stages, is_default=True)
    )

    assert response.status_code == 200
    assert "is the default pipeline" in response.text
    assert "Select a valid choice. version is not one of the available choices." in response.text
    with tenant_scope(tenant):
        assert not Pipeline.objects.filter(name="Autre").exists()
        assert not Stage.objects.filter(name="Étape").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/t/durand/admin/opportunities/pipeline/",
        "/t/durand/admin/opportunities/competitor/add/",
        "/t/durand/admin/opportunities/lossreason/",
        "/t/durand/admin/opportunities/pipelinesettings/add/",
    ],
)
def test_the_admin_pages_answer_the_tenant_admin_only(
    tenant: Any, member: Any, client_of: Any, path: str
) -> None:
    rep, _membership = client_of(tenant, Role.SALES_DIRECTOR)

    assert admin_client(tenant, member).get(path).status_code == 200
    assert rep.get(path).status_code == 404


def test_the_global_search_finds_the_opportunities_a_member_may_see(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        for owner, name in ((rep, "Migration Héliotrope"), (colleague, "Migration Zéphyr")):
            opportunity_create(
                tenant=tenant,
                actor=owner.user,
                account=AccountFactory(owner=owner.user),
                name=name,
                expected_close_date=datetime.date(2027, 3, 31),
            )

        found = [
            result.title for result in search.search(rep, "migration", types=["opportunities.opportunity"])
        ]

    assert found == ["Migration Héliotrope"]
