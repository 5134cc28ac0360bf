"""Account and contact writes: normalisation, identifiers, hierarchy, optimistic locking, consents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts import services
from accounts.models import Account, Consent, consolidated_figures
from crm.roles import Role
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db

VALID_SIRET = "73282932000074"  # a public, valid SIRET (Luhn key correct)


@pytest.fixture
def rep(tenant, member):
    return member(tenant, Role.FIELD_SALES_REP)


def create(tenant, rep, **data):
    with tenant_scope(tenant, membership=rep):
        return services.account_create(
            tenant=tenant, actor=rep.user, data={"legal_name": "Durand SA", **data}
        )


def test_identifiers_are_normalised_and_the_siren_derived_from_the_siret(tenant, rep) -> None:
    outcome = create(
        tenant,
        rep,
        legal_name="  Durand   SA ",
        siret="732 829 320 00074",
        vat_number="fr 44 732829320",
        naf_code="6201z",
    )

    account = outcome.record
    assert (account.legal_name, account.siret, account.siren) == ("Durand SA", VALID_SIRET, "732829320")
    assert (account.vat_number, account.naf_code, account.naf_version) == (
        "FR44732829320",
        "62.01Z",
        "NAFRev2",
    )
    assert account.owner_id == rep.user_id
    assert outcome.warnings == []
    with tenant_scope(tenant):
        assert account.history.get().history_user_id == rep.user_id


def test_a_wrong_siret_is_refused_with_a_field_error_and_nothing_is_written(tenant, rep) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        create(tenant, rep, siret="73282932000075", naf_code="99.99Z")

    assert set(raised.value.message_dict) == {"siret", "naf_code"}
    assert "check digit" in raised.value.message_dict["siret"][0]
    with tenant_scope(tenant):
        assert not Account.objects.exists()


def test_a_french_vat_that_does_not_match_the_siren_is_flagged_not_refused(tenant, rep) -> None:
    with translation.override("en"):
        outcome = create(tenant, rep, siret=VALID_SIRET, vat_number="FR 40 303265045")

    assert outcome.record.pk is not None
    assert outcome.warnings == ["The VAT number does not match the SIREN: expected FR44732829320."]


def test_a_parent_that_would_make_a_loop_is_refused(tenant, rep) -> None:
    group = create(tenant, rep, legal_name="Groupe").record
    daughter = create(tenant, rep, legal_name="Fille", parent=group).record
    granddaughter = create(tenant, rep, legal_name="Petite-fille", parent=daughter).record

    with (
        tenant_scope(tenant),
        translation.override("en"),
        pytest.raises(ValidationError, match="make a loop"),
    ):
        services.account_update(account=group, actor=rep.user, data={"parent": granddaughter})

    with tenant_scope(tenant):
        group.refresh_from_db()
    assert group.parent_id is None


def test_consolidated_figures_add_up_the_whole_group(tenant, rep) -> None:
    group = create(tenant, rep, legal_name="Groupe", customer_revenue=Decimal("100")).record
    daughter = create(tenant, rep, legal_name="Fille", parent=group, customer_revenue=Decimal("20")).record
    create(tenant, rep, legal_name="Petite-fille", parent=daughter, estimated_potential=Decimal("5"))

    with tenant_scope(tenant):
        figures = consolidated_figures(group)

    assert figures == {"subsidiaries": 2, "revenue": Decimal("120.00"), "potential": Decimal("5.00")}


def test_a_stale_version_never_overwrites_a_newer_edit(tenant, rep) -> None:
    account = create(tenant, rep).record
    with tenant_scope(tenant):
        services.account_update(
            account=account, actor=rep.user, data={"trade_name": "Durand"}, expected_version=1
        )

        with translation.override("en"), pytest.raises(ValidationError, match="Someone else changed"):
            services.account_update(
                account=account, actor=rep.user, data={"trade_name": "Écrasé"}, expected_version=1
            )
        account.refresh_from_db()

    assert (account.trade_name, account.version) == ("Durand", 2)


def test_contact_phones_in_e164_and_email_lowercased(tenant, rep) -> None:
    account = create(tenant, rep).record
    with tenant_scope(tenant):
        contact = services.contact_create(
            tenant=tenant,
            actor=rep.user,
            data={
                "first_name": " Anne ",
                "last_name": "Durand",
                "account": account,
                "mobile": "06 12 34 56 78",
                "phone": "+32 2 555 12 12",
                "email": " Anne.Durand@Exemple.FR ",
            },
        ).record

    assert (contact.first_name, contact.mobile, contact.phone, contact.email) == (
        "Anne", "+33612345678", "+3225551212", "anne.durand@exemple.fr",
    )  # fmt: skip


def test_an_invalid_phone_is_a_field_error(tenant, rep) -> None:
    account = create(tenant, rep).record
    with tenant_scope(tenant), translation.override("en"), pytest.raises(ValidationError) as raised:
        services.contact_create(
            tenant=tenant,
            actor=rep.user,
            data={"first_name": "A", "last_name": "B", "account": account, "mobile": "12"},
        )

    assert list(raised.value.message_dict) == ["mobile"]


def test_consents_keep_every_answer_and_gate_contact(tenant, rep) -> None:
    account = create(tenant, rep).record
    with tenant_scope(tenant):
        contact = services.contact_create(
            tenant=tenant,
            actor=rep.user,
            data={"first_name": "A", "last_name": "B", "email": "a.b@example.fr", "account": account},
        ).record
        before = services.contact_may_be_reached(contact=contact, purpose=Consent.Purpose.MARKETING_EMAIL)
        services.consent_record(
            contact=contact, purpose="marketing_email", status="granted", source="Salon", actor=rep.user
        )
        granted = services.contact_may_be_reached(contact=contact, purpose=Consent.Purpose.MARKETING_EMAIL)
        consent = services.consent_record(
            contact=contact, purpose="marketing_email", status="withdrawn", source="E-mail", actor=rep.user
        )
        after = services.contact_may_be_reached(contact=contact, purpose=Consent.Purpose.MARKETING_EMAIL)
        answers = list(consent.history.order_by("history_date").values_list("status", flat=True))

    assert (before, granted, after) == (False, True, False)
    assert answers == ["granted", "withdrawn"]


def test_do_not_call_blocks_phone_prospecting_even_with_consent(tenant, rep) -> None:
    account = create(tenant, rep).record
    with tenant_scope(tenant):
        contact = services.contact_create(
            tenant=tenant,
            actor=rep.user,
            data={
                "first_name": "A",
                "last_name": "B",
                "email": "a.b@example.fr",
                "account": account,
                "do_not_call": True,
            },
        ).record
        services.consent_record(
            contact=contact, purpose="phone_prospecting", status="granted", source="Appel", actor=rep.user
        )

        assert services.contact_may_be_reached(contact=contact, purpose="phone_prospecting") is False


def test_a_siret_already_used_in_the_company_is_a_field_error(tenant, other_tenant, rep, member) -> None:
    create(tenant, rep, siret=VALID_SIRET)
    foreign_rep = member(other_tenant, Role.FIELD_SALES_REP)

    with translation.override("en"), pytest.raises(ValidationError) as raised:
        create(tenant, rep, legal_name="Doublon", siret=VALID_SIRET)
    elsewhere = create(other_tenant, foreign_rep, siret=VALID_SIRET)  # another company may hold it

    assert raised.value.message_dict == {"siret": ["Another account already has this SIRET."]}
    assert elsewhere.record.siret == VALID_SIRET
