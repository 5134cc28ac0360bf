"""The API's error format for what schemathesis found: nested field errors as plain messages."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Account, Contact
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db


def test_an_invalid_item_of_a_list_field_is_named_by_its_position(tenant, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        account = Account.objects.create(legal_name="Erreurs SA", owner=admin.user)
        key = api_key_create(tenant=tenant, name="Erreurs", role=Role.TENANT_ADMIN, actor=admin.user)[1]
    client = Client(headers={"authorization": f"Bearer {key}", "accept-language": "en"})

    response = client.post(
        "/api/v1/contacts/",
        {
            "account": account.pk,
            "first_name": "Anne",
            "last_name": "Liste",
            "email": "anne.liste@example.fr",
            "topics": ["Pompes", ""],
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"topics": ["1: This field may not be blank."]}
    with tenant_scope(tenant):
        assert not Contact.objects.filter(last_name="Liste").exists()
