"""Deleting an account or a contact: only with delete rights, confirmed with the version read; an account
with contacts or subsidiaries is kept (merge or move them first); history keeps every deleted row."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services
from accounts.models import Account, Affiliation, Consent, Contact
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def team(tenant, member):
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    return {"manager": manager, "rep": rep}


def test_a_manager_deletes_an_empty_account_of_their_team_and_its_history_stays(tenant, team) -> None:
    with tenant_scope(tenant):
        account = services.account_create(
            tenant=tenant, actor=team["rep"].user, data={"legal_name": "Ancienne SARL"}
        ).record
    client = logged_in(team["manager"])
    confirm = client.get(f"/t/durand/accounts/{account.pk}/delete/", **ENGLISH)
    assert "addresses and its shares will be deleted" in confirm.text

    response = client.post(f"/t/durand/accounts/{account.pk}/delete/", {"version": account.version})

    assert response.status_code == 302
    with tenant_scope(tenant):
        assert not Account.objects.filter(pk=account.pk).exists()
        gone = Account.history.filter(id=account.pk).latest("history_date")
        assert (gone.history_type, gone.history_user) == ("-", team["manager"].user)
    assert client.get("/t/durand/search/", {"q": "Ancienne"}).context["groups"] == []


def test_an_account_with_contacts_or_subsidiaries_is_kept(tenant, team) -> None:
    with tenant_scope(tenant):
        account = AccountFactory(owner=team["rep"].user)
        ContactFactory(account=account)
        AccountFactory(owner=team["rep"].user, parent=account)
    client = logged_in(team["manager"])

    page = client.get(f"/t/durand/accounts/{account.pk}/delete/", **ENGLISH)
    refused = client.post(
        f"/t/durand/accounts/{account.pk}/delete/", {"version": account.version}, follow=True, **ENGLISH
    )

    assert "still has 1 contact(s) and 1 subsidiary(ies)" in page.text
    assert 'name="version"' not in page.text
    assert "merge it into the account that should keep them" in refused.text
    with tenant_scope(tenant):
        assert Account.objects.filter(pk=account.pk).exists()


def test_a_stale_confirmation_deletes_nothing(tenant, team) -> None:
    with tenant_scope(tenant):
        account = AccountFactory(owner=team["rep"].user)
    response = logged_in(team["manager"]).post(
        f"/t/durand/accounts/{account.pk}/delete/", {"version": account.version - 1}, follow=True, **ENGLISH
    )
    assert "Someone else changed this account" in response.text
    with tenant_scope(tenant):
        assert Account.objects.filter(pk=account.pk).exists()


def test_deleting_needs_the_right_and_visibility(tenant, other_tenant, member, team) -> None:
    with tenant_scope(tenant):
        account = AccountFactory(owner=team["rep"].user)
        contact = ContactFactory(account=account)
    rep = logged_in(team["rep"])  # the owner may edit, not delete
    assert rep.get(f"/t/durand/accounts/{account.pk}/delete/").status_code == 403
    assert rep.post(f"/t/durand/accounts/contacts/{contact.pk}/delete/", {"version": 1}).status_code == 403
    stranger = logged_in(member(tenant, Role.SALES_MANAGER))
    assert stranger.get(f"/t/durand/accounts/{account.pk}/delete/").status_code == 404
    foreigner = member(other_tenant, Role.SALES_DIRECTOR)
    with tenant_scope(other_tenant):
        elsewhere = AccountFactory(owner=foreigner.user)
    assert logged_in(team["manager"]).get(f"/t/durand/accounts/{elsewhere.pk}/delete/").status_code == 404
    page = logged_in(team["rep"]).get(f"/t/durand/accounts/{account.pk}/", **ENGLISH).text
    assert f"/accounts/{account.pk}/delete/" not in page


def test_a_contact_goes_with_its_consents_and_affiliations_and_its_reports_keep_no_manager(
    tenant, team
) -> None:
    with tenant_scope(tenant):
        account, other = AccountFactory(owner=team["rep"].user), AccountFactory(owner=team["rep"].user)
        contact = ContactFactory(account=account)
        Consent.objects.create(contact=contact, purpose="sms", status="granted", source="Salon")
        Affiliation.objects.create(contact=contact, account=other, role="Conseil")
        report = ContactFactory(account=account, manager=contact)
    client = logged_in(team["manager"])

    response = client.post(f"/t/durand/accounts/contacts/{contact.pk}/delete/", {"version": contact.version})

    assert response.status_code == 302
    assert response["Location"].endswith(f"/accounts/{account.pk}/")
    with tenant_scope(tenant):
        assert not Contact.objects.filter(pk=contact.pk).exists()
        assert not Consent.objects.filter(contact_id=contact.pk).exists()
        assert Consent.history.filter(contact_id=contact.pk, history_type="-").get().history_user == (
            team["manager"].user
        )
        assert Contact.objects.get(pk=report.pk).manager_id is None


def test_the_confirmation_speaks_french(tenant, team) -> None:
    with tenant_scope(tenant):
        account = AccountFactory(owner=team["rep"].user, legal_name="Vieille SARL")
        ContactFactory(account=account)
    page = logged_in(team["manager"]).get(
        f"/t/durand/accounts/{account.pk}/delete/", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Vieille SARL a encore 1 contact(s) et 0 filiale(s)" in page.text
    assert "Supprimer ce compte" in page.text


def test_an_account_with_an_opportunity_is_kept_with_the_reason(tenant, team) -> None:
    from opportunities.models import Opportunity
    from tests.opportunities.factories import OpportunityFactory

    with tenant_scope(tenant):
        account = AccountFactory(owner=team["rep"].user)
        OpportunityFactory(account=account)
    client = logged_in(team["manager"])

    refused = client.post(
        f"/t/durand/accounts/{account.pk}/delete/", {"version": account.version}, follow=True, **ENGLISH
    )

    assert "It is still used by: opportunities (1). Move or delete those first." in refused.text
    with tenant_scope(tenant):
        assert Account.objects.filter(pk=account.pk).exists()
        assert Opportunity.objects.filter(account=account).count() == 1
