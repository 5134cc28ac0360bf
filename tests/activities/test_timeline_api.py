"""/api/v1/activities/ and /api/v1/activity-types/: the same services and visibility as the pages; a
foreign or invisible id is a 404 in the path and a 400 in a body."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from activities.models import Activity
from activities.services import ActivityInput, activity_create
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.accounts.test_api import api, key_for
from tests.activities.factories import ActivityTypeFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tenant: Any, member: Any) -> Any:
    return member(tenant, Role.TENANT_ADMIN)


def test_create_list_filter_update_and_delete(tenant: Any, admin: Any) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    with tenant_scope(tenant):
        contact = ContactFactory(account__owner=admin.user)
        opportunity = OpportunityFactory(account=contact.account)
        call = ActivityTypeFactory(code="outbound_call")
        note = ActivityTypeFactory(code="note")
    created = api(
        "post",
        "/api/v1/activities/",
        key,
        {"type": call.pk, "subject": "Relance", "contacts": [contact.pk], "opportunity": opportunity.pk,
         "outcome": "reached", "starts_at": "2026-01-15T10:00:00+01:00"},
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["account"], body["contacts"], body["owner"], body["type_code"]) == (
        contact.account_id, [contact.pk], admin.user_id, "outbound_call",
    )  # fmt: skip
    other = api("post", "/api/v1/activities/", key, {"type": note.pk, "subject": "Note"}).json()

    def listed(query: str) -> list[int]:
        response = api("get", f"/api/v1/activities/?{query}", key)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert sorted(listed("")) == sorted([body["id"], other["id"]])
    assert listed(f"account={contact.account_id}") == [body["id"]]
    assert listed(f"contact={contact.pk}") == [body["id"]]
    assert listed(f"opportunity={opportunity.pk}") == [body["id"]]
    assert listed(f"type={note.pk}") == [other["id"]]
    assert listed("starts_before=2026-02-01T00:00:00Z") == [body["id"]]
    assert api("get", "/api/v1/activities/?starts_after=hier", key).status_code == 400

    stale = api("patch", f"/api/v1/activities/{body['id']}/", key, {"subject": "X", "version": 9})
    updated = api("patch", f"/api/v1/activities/{body['id']}/", key, {"subject": "Relance 2", "version": 1})
    assert stale.status_code == 409
    assert (updated.status_code, updated.json()["subject"], updated.json()["version"]) == (
        200,
        "Relance 2",
        2,
    )
    assert api("delete", f"/api/v1/activities/{other['id']}/", key).status_code == 204
    with tenant_scope(tenant):
        assert list(Activity.objects.values_list("subject", flat=True)) == ["Relance 2"]


def test_foreign_ids_are_404_in_the_path_and_400_in_a_body(
    tenant: Any, other_tenant: Any, admin: Any, member: Any
) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    with tenant_scope(tenant):
        call = ActivityTypeFactory(code="outbound_call")
    with tenant_scope(other_tenant):
        stranger = member(other_tenant, Role.TENANT_ADMIN)
        foreign_account = AccountFactory(owner=stranger.user)
        foreign_type = ActivityTypeFactory(code="outbound_call")
        foreign = activity_create(
            data=ActivityInput(
                type=foreign_type, subject="Secret", owner=stranger.user, account=foreign_account
            ),
            actor=stranger.user,
        )

    assert api("get", f"/api/v1/activities/{foreign.pk}/", key).status_code == 404
    assert api("delete", f"/api/v1/activities/{foreign.pk}/", key).status_code == 404
    wrong_account = api(
        "post", "/api/v1/activities/", key, {"type": call.pk, "subject": "X", "account": foreign_account.pk}
    )
    wrong_type = api("post", "/api/v1/activities/", key, {"type": foreign_type.pk, "subject": "X"})
    assert wrong_account.status_code == 400
    assert set(wrong_account.json()["error"]["fields"]) == {"account"}
    assert wrong_type.status_code == 400
    assert set(wrong_type.json()["error"]["fields"]) == {"type"}
    with tenant_scope(tenant):
        assert not Activity.objects.exists()


def test_a_key_sees_no_private_activity_of_others_and_a_rep_key_sees_nothing(
    tenant: Any, admin: Any, member: Any
) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        call = ActivityTypeFactory(code="outbound_call")
        shown = activity_create(
            data=ActivityInput(type=call, subject="Vu", owner=rep.user, account=account), actor=None
        )
        activity_create(
            data=ActivityInput(type=call, subject="Privé", owner=rep.user, account=account, is_private=True),
            actor=None,
        )
    admin_key = key_for(tenant, Role.TENANT_ADMIN, admin)
    rep_key = key_for(tenant, Role.FIELD_SALES_REP, rep)
    assert [row["id"] for row in api("get", "/api/v1/activities/", admin_key).json()["results"]] == [shown.pk]
    assert api("get", "/api/v1/activities/", rep_key).json()["results"] == []
    assert api("post", "/api/v1/activities/", rep_key, {"type": call.pk, "subject": "X"}).status_code == 403


def test_activity_types_are_read_by_all_and_added_by_the_admin_key(
    tenant: Any, admin: Any, member: Any
) -> None:
    rep = member(tenant)
    admin_key = key_for(tenant, Role.TENANT_ADMIN, admin)
    rep_key = key_for(tenant, Role.FIELD_SALES_REP, rep)
    with tenant_scope(tenant):
        ActivityTypeFactory(code="outbound_call")
    added = api(
        "post", "/api/v1/activity-types/", admin_key, {"code": "salon", "name": "Salon", "kind": "meeting"}
    )
    assert added.status_code == 201, added.json()
    twice = api(
        "post", "/api/v1/activity-types/", admin_key, {"code": "salon", "name": "Salon", "kind": "meeting"}
    )
    assert twice.status_code == 400
    assert api("post", "/api/v1/activity-types/", rep_key, {"code": "x", "name": "X"}).status_code == 403
    codes = [row["code"] for row in api("get", "/api/v1/activity-types/", rep_key).json()["results"]]
    assert sorted(codes) == ["outbound_call", "salon"]


def test_the_schema_documents_the_activities(db: None) -> None:
    schema = Client().get("/api/v1/schema/", headers={"accept": "application/json"}).json()
    assert "/api/v1/activities/" in schema["paths"]
    assert "/api/v1/activity-types/" in schema["paths"]
