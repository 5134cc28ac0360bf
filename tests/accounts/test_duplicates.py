"""Likely duplicates are shown before a record is written; the user may go on with a reason."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts import services
from accounts.duplicates import account_duplicates, contact_duplicates
from accounts.models import Account, Contact
from crm.roles import Role
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db

LEMAN = {"legal_name": "Société Générale des Eaux du Léman", "website": "https://www.eaux-leman.fr"}
HEAD_OFFICE = {
    "line1": "1 quai de Ripaille",
    "postal_code": "74200",
    "city": "Thonon-les-Bains",
    "country": "FR",
}


@pytest.fixture
def director(tenant, member):
    return member(tenant, Role.SALES_DIRECTOR)


@pytest.fixture
def leman(tenant, director) -> Account:
    with tenant_scope(tenant):
        return services.account_create(
            tenant=tenant,
            actor=director.user,
            data={**LEMAN, "siret": "73282932000074"},
            head_office=HEAD_OFFICE,
        ).record


@pytest.mark.parametrize(
    ("data", "postal_code", "reason"),
    [
        ({"legal_name": "Autre", "siren": "732829320"}, "", "same SIREN"),
        ({"legal_name": "Autre", "vat_number": "FR44732829320"}, "", "same VAT number"),
        ({"legal_name": "Autre", "website": "http://eaux-leman.fr/contact"}, "", "same website"),
        (
            {"legal_name": "societe generale des eaux du leman"},
            "74200",
            "similar name in the same postal code",
        ),
        (
            {"legal_name": "Société Générale des Eaux du Lémane"},
            "74200",
            "similar name in the same postal code",
        ),
    ],
)
def test_likely_duplicate_accounts_are_found_with_their_reason(
    tenant, leman, data, postal_code, reason
) -> None:
    leman_vat = "FR44732829320"
    with tenant_scope(tenant):
        Account.objects.filter(pk=leman.pk).update(vat_number=leman_vat)
        with translation.override("en"):
            found = account_duplicates({**data, "postal_code": postal_code})

    assert [(item.record.pk, item.reasons) for item in found] == [(leman.pk, [reason])]


def test_a_similar_name_elsewhere_in_france_is_not_a_duplicate(tenant, leman) -> None:
    with tenant_scope(tenant):
        found = account_duplicates(
            {"legal_name": "Société Générale des Eaux du Léman", "postal_code": "13002"}
        )

    assert found == []


def test_another_tenants_twin_is_never_a_duplicate(tenant, other_tenant, leman, member) -> None:
    with tenant_scope(other_tenant):
        found = account_duplicates({**LEMAN, "postal_code": "74200", "siren": "732829320"})

    assert found == []


def test_creation_stops_on_likely_duplicates_and_goes_on_with_a_reason(tenant, leman, director) -> None:
    with tenant_scope(tenant), pytest.raises(services.PossibleDuplicates) as raised:
        services.account_create(tenant=tenant, actor=director.user, data=LEMAN, head_office=HEAD_OFFICE)
    with tenant_scope(tenant):
        outcome = services.account_create(
            tenant=tenant,
            actor=director.user,
            data=LEMAN,
            head_office=HEAD_OFFICE,
            duplicate_reason="Établissement distinct, facturé à part",
        )
        reason = outcome.record.history.get().history_change_reason

    assert [item.record.pk for item in raised.value.duplicates] == [leman.pk]
    assert "Établissement distinct, facturé à part" in reason


def test_the_create_page_lists_duplicates_then_accepts_a_reason(tenant, leman, client_of) -> None:
    client, _director = client_of(tenant, Role.SALES_DIRECTOR)
    form = {
        "legal_name": LEMAN["legal_name"],
        "account_type": "prospect",
        "currency": "EUR",
        "owner": _director.user_id,
        "head_office_line1": "2 avenue du Général de Gaulle",
        "head_office_postal_code": "74200",
        "head_office_city": "Thonon-les-Bains",
        "head_office_country": "FR",
    }

    first = client.post("/t/durand/accounts/new/", form, headers={"accept-language": "en"})
    second = client.post("/t/durand/accounts/new/", {**form, "duplicate_reason": "Filiale distincte"})

    assert first.status_code == 200
    assert "This company may already be in the CRM" in first.text
    assert f'href="/t/durand/accounts/{leman.pk}/"' in first.text
    assert second.status_code == 302
    with tenant_scope(tenant):
        assert Account.objects.filter(legal_name=LEMAN["legal_name"]).count() == 2


def test_likely_duplicate_contacts(tenant, leman, director) -> None:
    with tenant_scope(tenant):
        anne = services.contact_create(
            tenant=tenant,
            actor=director.user,
            data={
                "first_name": "Anne",
                "last_name": "Dubœuf",
                "account": leman,
                "email": "anne@eaux-leman.fr",
                "mobile": "06 12 34 56 78",
            },
        ).record
        with translation.override("en"):
            by_email = contact_duplicates({"email": "anne@eaux-leman.fr"})
            by_phone = contact_duplicates({"phone": "+33612345678"})
            by_name = contact_duplicates({"first_name": "anne", "last_name": "duboeuf", "account": leman})

    assert [(item.record.pk, item.reasons) for item in by_email] == [(anne.pk, ["same e-mail"])]
    assert [(item.record.pk, item.reasons) for item in by_phone] == [(anne.pk, ["same phone number"])]
    assert [item.record.pk for item in by_name] == [anne.pk]


def test_the_new_contact_page_lists_likely_duplicates_then_accepts_a_reason(tenant, leman, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        anne = services.contact_create(
            tenant=tenant,
            actor=director.user,
            data={
                "first_name": "Anne",
                "last_name": "Dubœuf",
                "account": leman,
                "email": "anne@eaux-leman.fr",
            },
        ).record
    form = {
        "first_name": "Anne",
        "last_name": "Duboeuf",
        "account": leman.pk,
        "owner": director.user_id,
        "email": "ANNE@eaux-leman.fr",
        "language": "fr",
        "relationship_status": "cold_lead",
    }

    first = client.post("/t/durand/accounts/contacts/new/", form, headers={"accept-language": "en"})
    second = client.post(
        "/t/durand/accounts/contacts/new/", {**form, "duplicate_reason": "Homonyme, autre site"}
    )

    assert first.status_code == 200
    assert "This person may already be in the CRM" in first.text
    assert f'href="/t/durand/accounts/contacts/{anne.pk}/"' in first.text
    assert second.status_code == 302
    with tenant_scope(tenant):
        assert Contact.objects.filter(account=leman).count() == 2
