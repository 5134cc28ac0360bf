"""Merging two contacts: chosen values, consents (the newest answer wins), affiliations and reports
moved with history, do-not-call kept, the duplicates pair closed, rights and versions checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.dedup.models import DuplicateCandidate
from accounts.models import Affiliation, Consent, Contact
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def people(tenant, member):
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    now = timezone.now()
    with tenant_scope(tenant):
        account, elsewhere, third = (AccountFactory(owner=rep.user) for _ in range(3))
        survivor = ContactFactory(
            account=account, first_name="Anne", last_name="Durand", email="anne@durand.fr", job_title=""
        )
        merged = ContactFactory(
            account=account,
            first_name="Anne",
            last_name="DURAND",
            email="a.durand@durand.fr",
            job_title="Directrice achats",
            do_not_call=True,
        )
        report = ContactFactory(account=account, manager=merged)
        # Marketing e-mail: the survivor's grant is older than the merged record's withdrawal.
        Consent.objects.create(
            contact=survivor,
            purpose="marketing_email",
            status="granted",
            source="Salon",
            recorded_at=now - timedelta(days=30),
        )
        Consent.objects.create(
            contact=merged, purpose="marketing_email", status="withdrawn", source="E-mail", recorded_at=now
        )
        Consent.objects.create(contact=merged, purpose="sms", status="granted", source="Formulaire")
        Affiliation.objects.create(contact=survivor, account=elsewhere, role="Conseil")
        Affiliation.objects.create(contact=merged, account=elsewhere, role="Conseil (doublon)")
        Affiliation.objects.create(contact=merged, account=third, role="Administratrice")
        first, second = sorted((survivor, merged), key=lambda c: c.pk)
        pair = DuplicateCandidate.objects.create(
            kind="contact", first_contact=first, second_contact=second, score=90, reasons=["email"]
        )
    return {
        "manager": manager,
        "rep": rep,
        "survivor": survivor,
        "merged": merged,
        "report": report,
        "third": third,
        "pair": pair,
    }


def merge_url(people) -> str:
    return f"/t/durand/accounts/contacts/{people['survivor'].pk}/merge/?with={people['merged'].pk}"


def test_a_manager_merges_two_contacts_and_every_related_row_follows(tenant, people) -> None:
    client = Client()
    client.force_login(people["manager"].user)
    survivor, merged = people["survivor"], people["merged"]

    preview = client.get(merge_url(people), **ENGLISH)
    assert preview.status_code == 200
    assert "Directrice achats" in preview.text
    response = client.post(
        merge_url(people),
        {
            "with": merged.pk,
            "field_job_title": "merged",
            "survivor_version": survivor.version,
            "merged_version": merged.version,
        },
        **ENGLISH,
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        survivor.refresh_from_db()
        assert not Contact.objects.filter(pk=merged.pk).exists()
        assert (survivor.job_title, survivor.email, survivor.do_not_call) == (
            "Directrice achats",
            "anne@durand.fr",
            True,
        )
        consents = {c.purpose: c.status for c in Consent.objects.filter(contact=survivor)}
        assert consents == {"marketing_email": "withdrawn", "sms": "granted"}  # the newest answer won
        assert sorted(Affiliation.objects.filter(contact=survivor).values_list("role", flat=True)) == [
            "Administratrice",
            "Conseil",
        ]
        assert Contact.objects.get(pk=people["report"].pk).manager_id == survivor.pk
        people["pair"].refresh_from_db()
        assert people["pair"].status == DuplicateCandidate.Status.MERGED
        # History: the moved rows and both contacts name the actor and the reason.
        moved_sms = Consent.history.filter(contact_id=survivor.pk, purpose="sms").latest("history_date")
        assert moved_sms.history_user == people["manager"].user
        assert moved_sms.history_change_reason.startswith("Merged from")
        gone = Contact.history.filter(id=merged.pk).latest("history_date")
        assert (gone.history_type, gone.history_user) == ("-", people["manager"].user)
        assert survivor.history.latest("history_date").history_change_reason.startswith("Merged with")
        assert Consent.history.filter(contact_id=merged.pk, history_type="-").count() == 1  # kept in history


def test_a_contact_changed_since_the_preview_is_not_merged(tenant, people) -> None:
    client = Client()
    client.force_login(people["manager"].user)
    survivor, merged = people["survivor"], people["merged"]
    with tenant_scope(tenant):
        services.contact_update(contact=merged, actor=people["rep"].user, data={"job_title": "DAF"})

    response = client.post(
        merge_url(people),
        {"with": merged.pk, "survivor_version": survivor.version, "merged_version": merged.version},
        follow=True,
        **ENGLISH,
    )

    assert "since you opened this page" in response.text
    with tenant_scope(tenant):
        assert Contact.objects.filter(pk=merged.pk).exists()


def test_merging_needs_the_rights_and_visibility(tenant, other_tenant, member, people) -> None:
    rep = Client()
    rep.force_login(people["rep"].user)  # sees both (owner) but may not delete contacts
    assert rep.get(merge_url(people)).status_code == 403
    stranger = Client()
    stranger.force_login(member(tenant, Role.FIELD_SALES_REP).user)
    assert stranger.get(merge_url(people)).status_code == 404
    foreigner = member(other_tenant, Role.SALES_DIRECTOR)
    with tenant_scope(other_tenant):
        elsewhere = ContactFactory(account=AccountFactory(owner=foreigner.user))
    manager = Client()
    manager.force_login(people["manager"].user)
    url = f"/t/durand/accounts/contacts/{people['survivor'].pk}/merge/?with={elsewhere.pk}"
    assert manager.get(url).status_code == 404
    assert (
        manager.get(f"/t/durand/accounts/contacts/{people['survivor'].pk}/merge/?with=abc").status_code == 404
    )


def test_the_duplicates_queue_offers_to_merge_contact_pairs(tenant, people) -> None:
    client = Client()
    client.force_login(people["manager"].user)
    page = client.get("/t/durand/duplicates/?kind=contact", **ENGLISH).text
    assert (
        f"/accounts/contacts/{people['pair'].first_contact_id}/merge/?with={people['pair'].second_contact_id}"
        in page
    )


def test_the_survivors_history_shows_the_merge_even_when_no_value_changed(tenant, people) -> None:
    client = Client()
    client.force_login(people["manager"].user)
    survivor, merged = people["survivor"], people["merged"]
    client.post(
        merge_url(people),
        {"with": merged.pk, "survivor_version": survivor.version, "merged_version": merged.version},
        **ENGLISH,
    )
    page = client.get(f"/t/durand/accounts/contacts/{survivor.pk}/", **ENGLISH).text
    assert "Merged with Anne DURAND" in page
