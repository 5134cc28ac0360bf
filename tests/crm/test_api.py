"""The API base: per-tenant keys, one error format, schema and docs, throttling."""

from __future__ import annotations

import pytest
from django.test import Client

from crm.api.throttling import ApiKeyRateThrottle
from crm.models import ApiKey
from crm.roles import Role
from crm.services import api_key_create, api_key_revoke
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db


def make_key(tenant, role: str = Role.SALES_MANAGER) -> tuple[ApiKey, str]:
    with tenant_scope(tenant):
        return api_key_create(tenant=tenant, name="ERP", role=role, actor=None)


def call(path: str, key: str | None = None):
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return Client().get(path, headers=headers)


def test_me_answers_with_the_key_its_role_and_its_tenant(tenant) -> None:
    key, secret = make_key(tenant)

    response = call("/api/v1/me/", secret)

    assert response.status_code == 200
    assert response.json() == {
        "key_id": key.public_id,
        "key_name": "ERP",
        "role": "sales_manager",
        "tenant": {
            "slug": "durand",
            "name": "Durand Industries",
            "country": "FR",
            "currency": "EUR",
            "language": "fr",
            "time_zone": "Europe/Paris",
        },
    }


def test_the_key_is_stored_hashed_and_its_last_use_is_recorded(tenant) -> None:
    key, secret = make_key(tenant)
    assert secret.startswith(f"crm.{tenant.pk}.{key.public_id}.")
    assert secret.split(".")[-1] not in key.secret_hash

    call("/api/v1/me/", secret)

    with tenant_scope(tenant):
        assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["", "Bearer nonsense", "Bearer crm.1.abc.def", "Token something", "Bearer crm.999999.abc.def"],
    ids=["none", "garbage", "unknown key", "other scheme", "unknown tenant"],
)
def test_a_missing_or_bad_key_is_a_401_in_the_json_error_format(tenant, header: str) -> None:
    response = Client().get("/api/v1/me/", headers={"authorization": header} if header else {})

    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] in {"not_authenticated", "invalid_api_key", "authentication_failed"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_key_is_refused(tenant) -> None:
    key, secret = make_key(tenant)
    with tenant_scope(tenant):
        api_key_revoke(key=key, actor=None)

    response = call("/api/v1/me/", secret)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_a_key_presented_for_another_tenant_is_refused(tenant, other_tenant) -> None:
    # The tenant id in the key is only a routing hint: the key must exist in that tenant.
    _key, secret = make_key(other_tenant)
    forged = secret.replace(f"crm.{other_tenant.pk}.", f"crm.{tenant.pk}.", 1)

    response = call("/api/v1/me/", forged)

    assert response.status_code == 401


def test_a_wrong_secret_is_refused(tenant) -> None:
    _key, secret = make_key(tenant)

    response = call("/api/v1/me/", secret[:-4] + "abcd")

    assert response.status_code == 401


def test_the_schema_and_the_docs_are_served_without_a_key_and_without_a_cdn() -> None:
    schema = Client().get("/api/v1/schema/", headers={"accept": "application/json"})
    docs = Client().get("/api/v1/docs/")

    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.text
    assert docs.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.text
    assert "cdn" not in docs.text.lower()


def test_requests_beyond_the_rate_of_a_key_are_throttled(tenant, monkeypatch) -> None:
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    _key, secret = make_key(tenant)

    statuses = [call("/api/v1/me/", secret).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert call("/api/v1/me/", secret).json()["error"]["code"] == "throttled"


def test_invalid_keys_from_one_address_are_throttled_before_any_lookup(tenant, settings) -> None:
    settings.API_BAD_KEY_LIMIT_PER_MINUTE = 3
    _key, secret = make_key(tenant)
    forged = f"crm.{tenant.pk}.0000000000000000.guess"

    statuses = [call("/api/v1/me/", forged).status_code for _ in range(4)]
    blocked_even_with_a_good_key = call("/api/v1/me/", secret)

    assert statuses == [401, 401, 401, 429]
    assert blocked_even_with_a_good_key.status_code == 429
    assert blocked_even_with_a_good_key.json()["error"]["code"] == "throttled"


@pytest.mark.parametrize("path", ["/api/v1/accounts/-1/", "/api/v1/nowhere/"])
def test_an_address_no_api_route_matches_is_a_json_404(tenant, path: str) -> None:
    secret = make_key(tenant, Role.TENANT_ADMIN)[1]

    response = Client(headers={"accept-language": "en"}).get(
        path, headers={"authorization": f"Bearer {secret}"}
    )

    assert response.status_code == 404
    assert response["content-type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_a_page_no_route_matches_is_still_the_html_404(tenant) -> None:
    response = Client().get("/nowhere/")

    assert response.status_code == 404
    assert response["content-type"].startswith("text/html")
