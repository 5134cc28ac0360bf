"""The public web-to-lead endpoint: /forms/<tenant slug>/<form key>/, outside login."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import Consent
from crm.tenancy import tenant_scope
from leads.models import Lead, LeadConsent
from leads.services.web_to_lead import HONEYPOT_FIELD
from tests.accounts.factories import ContactFactory
from tests.leads.factories import AssignmentRuleFactory, WebFormFactory

pytestmark = pytest.mark.django_db

VISITOR = {
    "first_name": "Marc",
    "last_name": "Dubois",
    "email": "Marc.Dubois@Menuiserie.fr",
    "company_name": "Menuiserie Dubois",
    "postal_code": "69007",
    "phone": "06 12 34 56 78",
    "consent_marketing_email": "on",
}


@pytest.fixture
def form(tenant):
    with tenant_scope(tenant):
        return WebFormFactory(key="contact", campaign="Site web", required_fields=["company_name"])


def _url(tenant, key="contact", query=""):
    return f"/forms/{tenant.slug}/{key}/{query}"


def _leads(tenant):
    with tenant_scope(tenant):
        return list(Lead.objects.select_related("source").order_by("pk"))


def test_a_browser_posting_the_form_is_redirected_and_the_lead_is_assigned(tenant, member, form) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        AssignmentRuleFactory(postal_code_prefix="69", target_user=rep.user)
    response = Client().post(
        _url(tenant, query="?utm_source=google&utm_medium=cpc&utm_campaign=printemps"), VISITOR
    )
    assert response.status_code == 302
    assert response["Location"] == "https://www.example.com/merci"
    [lead] = _leads(tenant)
    assert (lead.email, lead.phone, lead.owner_id) == (
        "marc.dubois@menuiserie.fr",
        "+33612345678",
        rep.user_id,
    )
    assert (lead.source.code, lead.web_form_id, lead.campaign) == ("web_form", form.pk, "Site web")
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == ("google", "cpc", "printemps")
    assert lead.first_contact_due_at is not None


def test_consents_are_recorded_with_their_proof(tenant, form) -> None:
    Client().post(_url(tenant), VISITOR, REMOTE_ADDR="203.0.113.5")
    with tenant_scope(tenant):
        consent = LeadConsent.objects.get()
    assert (consent.purpose, consent.status) == ("marketing_email", Consent.Status.GRANTED)
    assert consent.proof.startswith("Formulaire contact, IP 203.0.113.5, ")
    wording = "J\u2019accepte de recevoir des actualités et des offres par e-mail."
    assert consent.proof.endswith(f", libellé : « {wording} »")


def test_an_unticked_box_is_recorded_as_refused(tenant, form) -> None:
    Client().post(_url(tenant), {**VISITOR, "consent_marketing_email": ""})
    with tenant_scope(tenant):
        assert LeadConsent.objects.get().status == Consent.Status.REFUSED


def test_a_script_gets_json(tenant, form) -> None:
    response = Client().post(_url(tenant), VISITOR, headers={"accept": "application/json"})
    assert response.status_code == 201
    assert response.json()["status"] == "received"
    assert len(_leads(tenant)) == 1


def test_missing_fields_and_a_bad_email_are_refused_in_the_visitor_language_and_nothing_is_stored(
    tenant, form
) -> None:
    response = Client().post(
        _url(tenant),
        {"last_name": "", "email": "pas-un-email", "first_name": "Marc"},
        headers={"accept": "application/json", "accept-language": "fr"},
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {
        "last_name": ["Ce champ est obligatoire."],
        "company_name": ["Ce champ est obligatoire."],
        "email": ["Saisissez une adresse e-mail valide."],
    }
    assert _leads(tenant) == []


def test_a_browser_gets_the_form_again_with_the_errors(tenant, form) -> None:
    response = Client().post(_url(tenant), {**VISITOR, "email": "faux"}, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "Enter a valid e-mail address." in response.text
    assert _leads(tenant) == []


def test_a_bot_filling_the_honeypot_gets_the_same_answer_and_nothing_is_stored(tenant, form) -> None:
    browser = Client().post(_url(tenant), {**VISITOR, HONEYPOT_FIELD: "http://spam.example"})
    script = Client().post(
        _url(tenant), {**VISITOR, HONEYPOT_FIELD: "x"}, headers={"accept": "application/json"}
    )
    assert (browser.status_code, browser["Location"]) == (302, "https://www.example.com/merci")
    assert script.status_code == 201
    assert _leads(tenant) == []
    with tenant_scope(tenant):
        assert LeadConsent.objects.count() == 0


def test_over_the_rate_limit_per_address(tenant, form, settings) -> None:
    settings.LEADS_WEB_FORM_RATE_PER_IP = 2
    client = Client()
    statuses = [
        client.post(
            _url(tenant), {**VISITOR, "email": f"v{n}@exemple.fr"}, headers={"accept": "application/json"}
        ).status_code
        for n in range(3)
    ]
    other_address = client.post(
        _url(tenant), {**VISITOR, "email": "v9@exemple.fr"}, REMOTE_ADDR="198.51.100.7"
    )
    assert statuses == [201, 201, 429]
    assert other_address.status_code == 302
    assert len(_leads(tenant)) == 3


def test_over_the_rate_limit_per_form(tenant, form, settings) -> None:
    settings.LEADS_WEB_FORM_RATE_PER_FORM = 1
    first = Client().post(_url(tenant), VISITOR, REMOTE_ADDR="198.51.100.1")
    second = Client().post(_url(tenant), {**VISITOR, "email": "b@exemple.fr"}, REMOTE_ADDR="198.51.100.2")
    assert (first.status_code, second.status_code) == (302, 429)
    assert len(_leads(tenant)) == 1
    cache.clear()


def test_the_same_person_again_updates_the_open_lead(tenant, form) -> None:
    Client().post(_url(tenant), {**VISITOR, "phone": "", "consent_marketing_email": ""})
    Client().post(
        _url(tenant, query="?utm_source=newsletter"), {**VISITOR, "email": "marc.dubois@menuiserie.fr"}
    )
    [lead] = _leads(tenant)
    with tenant_scope(tenant):
        consent = LeadConsent.objects.get()
    assert (lead.phone, lead.utm_source, lead.version) == ("+33612345678", "", 2)
    assert consent.status == Consent.Status.GRANTED


def test_a_known_contact_is_linked_not_duplicated(tenant, form) -> None:
    with tenant_scope(tenant):
        contact = ContactFactory(email="marc.dubois@menuiserie.fr")
    Client().post(_url(tenant), VISITOR)
    [lead] = _leads(tenant)
    assert lead.known_contact_id == contact.pk


def test_unknown_tenant_unknown_or_inactive_form_answer_404(tenant, other_tenant, form) -> None:
    with tenant_scope(tenant):
        WebFormFactory(key="ferme", is_active=False)
    for url in (_url(other_tenant), "/forms/inconnu/contact/", _url(tenant, "autre"), _url(tenant, "ferme")):
        assert Client().post(url, VISITOR).status_code == 404
    assert _leads(tenant) == []


def test_the_hosted_form_page_shows_the_fields_and_consents(tenant, form) -> None:
    response = Client().get(_url(tenant), headers={"accept-language": "fr"})
    assert response.status_code == 200
    assert 'name="company_name"' in response.text
    assert 'name="consent_marketing_email"' in response.text
    assert f'name="{HONEYPOT_FIELD}"' in response.text
    assert "J\u2019accepte de recevoir des actualités" in response.text


def test_no_csrf_token_is_needed_and_no_cookie_is_set(tenant, form) -> None:
    response = Client(enforce_csrf_checks=True).post(_url(tenant), VISITOR)
    assert response.status_code == 302
    assert not response.cookies
