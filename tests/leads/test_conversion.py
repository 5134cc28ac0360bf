"""Conversion: account + contact (new or found by the duplicate rules), consents carried with their
proof, links both ways, prerequisites, twice impossible."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import Account, Consent, Contact
from crm.roles import Role
from crm.tenancy import tenant_scope
from leads.models import Lead, LeadSettings
from leads.services import ConsentAnswer, lead_convert, lead_create, lead_qualify
from tests.accounts.factories import AccountFactory, ContactFactory, valid_siret

pytestmark = pytest.mark.django_db


def _qualified_lead(tenant, actor, **data):
    lead = lead_create(
        tenant=tenant,
        actor=actor,
        data={"first_name": "Marc", "last_name": "Dubois", "email": "marc@menuiserie.fr",
              "company_name": "Menuiserie Dubois", "utm_source": "google", "utm_campaign": "printemps",
              **data},
        consents=[
            ConsentAnswer("marketing_email", "granted", "Web form contact", "Form contact, IP 203.0.113.5")
        ],
    )  # fmt: skip
    lead.budget, lead.authority, lead.need, lead.timeline = "20 k€", "Gérant", "Atelier", "soon"
    lead.save()
    return lead_qualify(lead=lead, actor=actor)


def test_convert_creates_account_and_contact_and_carries_the_consents(tenant, member) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        lead = _qualified_lead(tenant, rep.user)
        conversion = lead_convert(lead=lead, actor=rep.user)
        consent = Consent.objects.get(contact=conversion.contact)
        lead.refresh_from_db()
        account_leads = list(conversion.account.converted_leads.values_list("pk", flat=True))
        contact_leads = list(conversion.contact.converted_leads.values_list("pk", flat=True))
    assert (conversion.account_created, conversion.contact_created) == (True, True)
    assert conversion.account.legal_name == "Menuiserie Dubois"
    assert conversion.account.origin == Account.Origin.INBOUND
    assert (conversion.contact.email, conversion.contact.account_id) == (
        "marc@menuiserie.fr",
        conversion.account.pk,
    )
    assert (consent.purpose, consent.status, consent.proof) == (
        "marketing_email",
        "granted",
        "Form contact, IP 203.0.113.5",
    )
    assert (lead.status, lead.converted_account_id, lead.converted_contact_id) == (
        Lead.Status.CONVERTED, conversion.account.pk, conversion.contact.pk,
    )  # fmt: skip
    assert (lead.utm_source, lead.utm_campaign, lead.converted_by_id) == ("google", "printemps", rep.user_id)
    assert account_leads == contact_leads == [lead.pk]


def test_converting_twice_is_impossible(tenant, member) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        lead = _qualified_lead(tenant, rep.user)
        lead_convert(lead=lead, actor=rep.user)
        with pytest.raises(ValidationError) as caught:
            lead_convert(lead=lead, actor=rep.user)
        counts = (Account.objects.count(), Contact.objects.count())
    assert caught.value.code == "already_converted"
    assert counts == (1, 1)


def test_the_duplicate_account_and_contact_are_reused(tenant, member) -> None:
    rep = member(tenant)
    siret = valid_siret(77)
    with tenant_scope(tenant):
        existing = AccountFactory(
            legal_name="Menuiserie Dubois SARL", siret=siret, siren=siret[:9], owner=rep.user
        )
        known = ContactFactory(
            account=existing, email="marc@menuiserie.fr", first_name="Marc", last_name="Dubois"
        )
        lead = _qualified_lead(tenant, rep.user, siret=siret)
        conversion = lead_convert(lead=lead, actor=rep.user)
        counts = (Account.objects.count(), Contact.objects.count())
    assert (conversion.account.pk, conversion.contact.pk) == (existing.pk, known.pk)
    assert (conversion.account_created, conversion.contact_created) == (False, False)
    assert counts == (1, 1)


def test_new_account_forced_even_with_a_duplicate(tenant, member) -> None:
    rep = member(tenant)
    siret = valid_siret(78)
    with tenant_scope(tenant):
        AccountFactory(legal_name="Menuiserie Dubois", siren=siret[:9], owner=rep.user)
        lead = _qualified_lead(tenant, rep.user)
        conversion = lead_convert(lead=lead, actor=rep.user, new_account=True)
        count = Account.objects.count()
    assert conversion.account_created
    assert count == 2


def test_missing_prerequisites_are_named_and_nothing_is_written(tenant, member) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        LeadSettings.objects.create(
            tenant=tenant, conversion_prerequisites=["qualified", "qualification_complete", "first_contact"]
        )
        lead = lead_create(
            tenant=tenant,
            actor=rep.user,
            data={"first_name": "Marc", "last_name": "Dubois", "company_name": "X"},
        )
        with pytest.raises(ValidationError) as caught, translation.override("fr"):
            lead_convert(lead=lead, actor=rep.user)
        lead.refresh_from_db()
        counts = (Account.objects.count(), Contact.objects.count())
    assert caught.value.code == "prerequisites"
    message = caught.value.messages[0]
    assert message == (
        "Avant de convertir : La piste est qualifiée; La grille de qualification est complète"
        " (BANT ou questions propres); Le premier contact est enregistré."
    )
    assert (lead.status, counts) == (Lead.Status.NEW, (0, 0))


def test_a_prerequisite_registered_by_another_app_applies(tenant, member) -> None:
    from leads import prerequisites

    rep = member(tenant, Role.SALES_DIRECTOR)
    prerequisites.register("meeting_logged", "A call or meeting logged", lambda lead: False)
    try:
        with tenant_scope(tenant):
            LeadSettings.objects.create(tenant=tenant, conversion_prerequisites=["meeting_logged"])
            lead = _qualified_lead(tenant, rep.user)
            with pytest.raises(ValidationError, match="A call or meeting logged"):
                lead_convert(lead=lead, actor=rep.user)
    finally:
        prerequisites._registry.pop("meeting_logged")


def test_a_failure_midway_leaves_nothing_behind(tenant, member) -> None:
    """The contact cannot be created (no first name): the account created just before is rolled back."""
    rep = member(tenant)
    with tenant_scope(tenant):
        lead = _qualified_lead(tenant, rep.user, first_name="")
        with pytest.raises(ValidationError):
            lead_convert(lead=lead, actor=rep.user)
        lead.refresh_from_db()
        counts = (Account.objects.count(), Contact.objects.count(), Consent.objects.count())
    assert (lead.status, counts) == (Lead.Status.QUALIFIED, (0, 0, 0))


def test_convert_with_an_opportunity_through_the_opportunities_services(tenant, member) -> None:
    from opportunities.models import Opportunity
    from tests.opportunities.factories import ProductFactory

    rep = member(tenant)
    with tenant_scope(tenant):
        product = ProductFactory(name="Logiciel de planification")
        lead = _qualified_lead(tenant, rep.user, product_of_interest=product, owner=rep.user)
        conversion = lead_convert(lead=lead, actor=rep.user, create_opportunity=True, opportunity_data={})
        opportunity = Opportunity.objects.select_related("stage").get()
        first_position = min(opportunity.pipeline.stages.values_list("position", flat=True))
        lead.refresh_from_db()
    assert conversion.opportunity == opportunity
    assert lead.converted_opportunity_id == opportunity.pk
    assert (opportunity.account_id, opportunity.primary_contact_id) == (
        conversion.account.pk,
        conversion.contact.pk,
    )
    assert (opportunity.owner_id, opportunity.sale_type) == (rep.user_id, Opportunity.SaleType.NEW_CUSTOMER)
    assert opportunity.name == "Menuiserie Dubois · Logiciel de planification"
    assert opportunity.stage.position == first_position
