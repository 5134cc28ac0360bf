"""/api/v1/accounts/ and /api/v1/contacts/: the services' rules, the role of the key, tenant isolation."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Account, Contact
from crm.models import ApiKey
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db


def key_for(tenant, role: str, creator=None) -> str:
    with tenant_scope(tenant):
        return api_key_create(tenant=tenant, name="ERP", role=role, actor=creator.user if creator else None)[
            1
        ]


def api(method: str, path: str, key: str, body: dict | None = None):
    client = Client(headers={"authorization": f"Bearer {key}", "accept-language": "en"})
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body or {}, content_type="application/json")


@pytest.fixture
def admin(tenant, member):
    return member(tenant, Role.TENANT_ADMIN)


def test_create_then_read_an_account_through_the_api(tenant, admin) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)

    created = api("post", "/api/v1/accounts/", key, {"legal_name": "Durand SA", "siret": "732 829 320 00074"})
    listed = api("get", "/api/v1/accounts/", key)

    assert created.status_code == 201
    body = created.json()
    assert (body["siret"], body["siren"], body["owner"], body["warnings"]) == (
        "73282932000074", "732829320", admin.user_id, [],
    )  # fmt: skip
    assert [row["legal_name"] for row in listed.json()["results"]] == ["Durand SA"]
    assert "next" in listed.json()  # cursor pagination


def test_a_bad_siret_is_a_400_with_the_field_named_and_nothing_written(tenant, admin) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)

    response = api("post", "/api/v1/accounts/", key, {"legal_name": "Durand SA", "siret": "123"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["siret"]
    with tenant_scope(tenant):
        assert not Account.objects.exists()


def test_another_tenants_account_is_a_404(tenant, other_tenant, admin, member) -> None:
    foreign_admin = member(other_tenant, Role.TENANT_ADMIN)
    with tenant_scope(other_tenant):
        foreign = Account.objects.create(legal_name="Martin Frères", owner=foreign_admin.user)
    key = key_for(tenant, Role.TENANT_ADMIN, admin)

    assert api("get", f"/api/v1/accounts/{foreign.pk}/", key).status_code == 404
    assert api("patch", f"/api/v1/accounts/{foreign.pk}/", key, {"legal_name": "Volé"}).status_code == 404


def test_a_read_only_role_cannot_write(tenant, admin) -> None:
    key = key_for(tenant, Role.FINANCE, admin)

    response = api("post", "/api/v1/accounts/", key, {"legal_name": "Durand SA"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_stale_version_is_a_409_in_the_api_error_format_and_nothing_changes(tenant, admin) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    account_id = api("post", "/api/v1/accounts/", key, {"legal_name": "Durand SA"}).json()["id"]
    api("patch", f"/api/v1/accounts/{account_id}/", key, {"trade_name": "Durand", "version": 1})

    stale = api("patch", f"/api/v1/accounts/{account_id}/", key, {"trade_name": "Écrasé", "version": 1})

    assert stale.status_code == 409
    assert stale.json() == {
        "error": {
            "code": "conflict",
            "message": (
                "Someone else changed this account since you opened it. Reload it to see their changes."
            ),
            "fields": {},
        }
    }
    with tenant_scope(tenant):
        assert Account.objects.get(pk=account_id).trade_name == "Durand"


def test_a_stale_contact_version_is_a_409_too(tenant, admin) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    account_id = api("post", "/api/v1/accounts/", key, {"legal_name": "Durand SA"}).json()["id"]
    contact_id = api(
        "post",
        "/api/v1/contacts/",
        key,
        {"first_name": "Anne", "last_name": "Durand", "email": "anne@durand.fr", "account": account_id},
    ).json()["id"]
    api("patch", f"/api/v1/contacts/{contact_id}/", key, {"job_title": "DAF", "version": 1})

    stale = api("patch", f"/api/v1/contacts/{contact_id}/", key, {"job_title": "PDG", "version": "1"})

    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    with tenant_scope(tenant):
        assert Contact.objects.get(pk=contact_id).job_title == "DAF"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"trade_name": "Sans version"}, "This field is required."),
        ({"trade_name": "Texte", "version": "deux"}, "A valid integer is required."),
        ({"trade_name": "Booléen", "version": True}, "A valid integer is required."),
    ],
    ids=["missing", "not a number", "a boolean"],
)
def test_a_patch_needs_a_numeric_version(tenant, admin, body: dict, message: str) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    account_id = api("post", "/api/v1/accounts/", key, {"legal_name": "Durand SA"}).json()["id"]
    contact_id = api(
        "post",
        "/api/v1/contacts/",
        key,
        {"first_name": "Anne", "last_name": "Durand", "email": "anne@durand.fr", "account": account_id},
    ).json()["id"]

    account = api("patch", f"/api/v1/accounts/{account_id}/", key, body)
    contact = api("patch", f"/api/v1/contacts/{contact_id}/", key, body)

    for response in (account, contact):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "validation_error"
        assert response.json()["error"]["fields"] == {"version": [message]}
    with tenant_scope(tenant):
        assert Account.objects.get(pk=account_id).version == 1
        assert Contact.objects.get(pk=contact_id).version == 1


def test_api_writes_record_the_keys_creator_and_name_in_the_history(tenant, admin) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    account_id = api("post", "/api/v1/accounts/", key, {"legal_name": "Durand SA"}).json()["id"]
    api("patch", f"/api/v1/accounts/{account_id}/", key, {"trade_name": "Durand", "version": 1})
    contact_id = api(
        "post",
        "/api/v1/contacts/",
        key,
        {"first_name": "Anne", "last_name": "Durand", "email": "anne@durand.fr", "account": account_id},
    ).json()["id"]
    api("patch", f"/api/v1/contacts/{contact_id}/", key, {"job_title": "DAF", "version": 1})

    with tenant_scope(tenant):
        public_id = ApiKey.objects.get().public_id
        account_rows = list(
            Account.history.filter(id=account_id)
            .order_by("history_id")
            .values_list("history_user_id", "history_change_reason")
        )
        contact_rows = list(
            Contact.history.filter(id=contact_id)
            .order_by("history_id")
            .values_list("history_user_id", "history_change_reason")
        )

    reason = f"Through the API key “ERP” (crm.{tenant.pk}.{public_id})"
    assert account_rows == [(admin.user_id, reason), (admin.user_id, reason)]
    assert contact_rows == [(admin.user_id, reason), (admin.user_id, reason)]


def test_contacts_through_the_api_with_an_e164_phone(tenant, admin) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    account_id = api("post", "/api/v1/accounts/", key, {"legal_name": "Durand SA"}).json()["id"]

    created = api(
        "post",
        "/api/v1/contacts/",
        key,
        {
            "first_name": "Anne",
            "last_name": "Durand",
            "email": "anne.durand@durand.fr",
            "account": account_id,
            "mobile": "06 12 34 56 78",
        },
    )

    assert created.status_code == 201, created.json()
    assert created.json()["mobile"] == "+33612345678"


def test_the_list_query_count_does_not_grow_with_rows(tenant, admin, django_assert_max_num_queries) -> None:
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    api("post", "/api/v1/accounts/", key, {"legal_name": "Un"})
    with django_assert_max_num_queries(30) as few:
        api("get", "/api/v1/accounts/", key)
    for n in range(25):
        api("post", "/api/v1/accounts/", key, {"legal_name": f"Compte {n}"})

    with django_assert_max_num_queries(30) as many:
        response = api("get", "/api/v1/accounts/", key)

    assert len(response.json()["results"]) == 26
    assert len(many.captured_queries) == len(few.captured_queries)
