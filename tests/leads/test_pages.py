"""Lead pages: list (filters, keyset pages, query budget), detail, create, edit, actions, conversion;
who sees which lead (owner chain, queue) and who may change it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from crm.roles import Role
from crm.tenancy import tenant_scope
from leads.models import Lead, LeadSettings
from leads.services import lead_create
from tests.factories import TeamFactory, TeamMemberFactory
from tests.leads.factories import LeadFactory, LeadSourceFactory

pytestmark = pytest.mark.django_db
SIRET = "73282932000074"


def logged_in(membership) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(membership.user)
    return client


def lead_of(tenant, owner=None, **data) -> Lead:
    with tenant_scope(tenant):
        return lead_create(
            tenant=tenant,
            actor=owner.user if owner else None,
            data={
                "first_name": "Marc",
                "last_name": "Dubois",
                "owner": owner.user if owner else None,
                **data,
            },
        )


def test_a_rep_sees_own_leads_a_manager_the_team_and_the_queue(tenant, member) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, manager=manager)
    colleague = member(tenant)
    mine = lead_of(tenant, rep, last_name="Mienne")
    theirs = lead_of(tenant, colleague, last_name="Autre")
    queued = lead_of(tenant, None, last_name="Attente")

    rep_page = logged_in(rep).get("/t/durand/leads/")
    manager_page = logged_in(manager).get("/t/durand/leads/")

    assert [lead.pk for lead in rep_page.context["leads"]] == [mine.pk]
    assert {lead.pk for lead in manager_page.context["leads"]} == {mine.pk, queued.pk}
    assert logged_in(rep).get(f"/t/durand/leads/{theirs.pk}/").status_code == 404
    assert logged_in(rep).get(f"/t/durand/leads/{queued.pk}/").status_code == 404


def test_the_fallback_team_sees_the_queue(tenant, member) -> None:
    rep = member(tenant)
    queued = lead_of(tenant, None)
    with tenant_scope(tenant):
        team = TeamFactory()
        TeamMemberFactory(team=team, membership=rep)
        LeadSettings.objects.create(tenant=tenant, fallback_team=team)
    page = logged_in(rep).get("/t/durand/leads/?queue=1")
    assert [lead.pk for lead in page.context["leads"]] == [queued.pk]


def test_filters_status_source_sla_and_queue(tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    rep = member(tenant)
    with tenant_scope(tenant):
        source = LeadSourceFactory(code="event", name="Salon")
    from_event = lead_of(tenant, rep, source=source)
    overdue = lead_of(tenant, rep)
    queued = lead_of(tenant, None)
    with tenant_scope(tenant):
        Lead.objects.filter(pk=overdue.pk).update(first_contact_due_at="2020-01-01T00:00:00Z")
    client = logged_in(director)

    def ids(query: str) -> set[int]:
        return {lead.pk for lead in client.get(f"/t/durand/leads/?{query}").context["leads"]}

    assert ids(f"source={source.pk}") == {from_event.pk}
    assert ids("sla=breached") == {overdue.pk}
    assert ids("queue=1") == {queued.pk}
    assert ids("status=converted") == set()
    assert ids("status=new") == {from_event.pk, overdue.pk, queued.pk}


def test_keyset_pages_and_the_query_budget_do_not_grow_with_rows(
    tenant, member, django_assert_max_num_queries
) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    rep = member(tenant)
    client = logged_in(director)
    with tenant_scope(tenant):
        LeadFactory(owner=rep.user, source=LeadSourceFactory())
    with CaptureQueriesContext(connection) as one:
        client.get("/t/durand/leads/")
    with tenant_scope(tenant):
        source = LeadSourceFactory()
        for _index in range(59):
            LeadFactory(owner=member(tenant).user, source=source)
    with django_assert_max_num_queries(len(one)):
        first = client.get("/t/durand/leads/")
    second = client.get("/t/durand/leads/" + first.context["next_url"])
    assert len(first.context["leads"]) == 50
    assert len(second.context["leads"]) == 10
    assert not {lead.pk for lead in first.context["leads"]} & {lead.pk for lead in second.context["leads"]}


def test_create_and_edit_through_the_pages(tenant, member) -> None:
    rep = member(tenant)
    client = logged_in(rep)
    form = client.get("/t/durand/leads/new/")
    assert form.status_code == 200

    created = client.post(
        "/t/durand/leads/new/",
        {"first_name": "Inès", "last_name": "Morel", "email": "ines@morel.fr", "phone": "0612345678",
         "language": "fr", "country": "FR", "score": "40", "owner": rep.user_id},
    )  # fmt: skip
    with tenant_scope(tenant):
        lead = Lead.objects.get()
    assert created.status_code == 302
    assert (lead.phone, lead.score, lead.owner_id) == ("+33612345678", 40, rep.user_id)

    stale = client.post(
        f"/t/durand/leads/{lead.pk}/edit/",
        {"last_name": "Morel", "language": "fr", "country": "FR", "city": "Lille", "version": "99",
         "owner": rep.user_id},
    )  # fmt: skip
    assert stale.status_code == 200
    assert "Someone else changed this lead" in stale.text
    saved = client.post(
        f"/t/durand/leads/{lead.pk}/edit/",
        {"last_name": "Morel", "language": "fr", "country": "FR", "city": "Lille", "version": "1",
         "owner": rep.user_id},
    )  # fmt: skip
    with tenant_scope(tenant):
        lead.refresh_from_db()
    assert saved.status_code == 302
    assert (lead.city, lead.version) == ("Lille", 2)


def test_bad_input_on_create_is_shown_and_nothing_is_written(tenant, member) -> None:
    rep = member(tenant)
    response = logged_in(rep).post(
        "/t/durand/leads/new/", {"last_name": "Morel", "email": "faux", "language": "fr", "country": "FR"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    with tenant_scope(tenant):
        assert Lead.objects.count() == 0


def test_detail_shows_the_breach_and_the_history(tenant, member) -> None:
    rep = member(tenant)
    lead = lead_of(tenant, rep)
    with tenant_scope(tenant):
        Lead.objects.filter(pk=lead.pk).update(first_contact_due_at="2020-01-01T00:00:00Z")
    page = logged_in(rep).get(f"/t/durand/leads/{lead.pk}/")
    assert page.status_code == 200
    assert "First contact overdue" in page.text
    assert len(page.context["history"]) == 1


def test_actions_first_contact_qualify_disqualify(tenant, member) -> None:
    rep = member(tenant)
    client = logged_in(rep)
    lead = lead_of(tenant, rep)
    client.post(f"/t/durand/leads/{lead.pk}/first-contact/")
    bant = {"budget": "10 k€", "authority": "DG", "need": "CRM", "timeline": "now", "version": 2}
    client.post(f"/t/durand/leads/{lead.pk}/qualification/", bant)
    client.post(f"/t/durand/leads/{lead.pk}/qualify/")
    with tenant_scope(tenant):
        lead.refresh_from_db()
    assert lead.first_contacted_at is not None
    assert (lead.status, lead.budget, lead.timeline) == (Lead.Status.QUALIFIED, "10 k€", "now")
    refused = client.post(f"/t/durand/leads/{lead.pk}/disqualify/", {"reason": "", "note": ""})
    assert refused.status_code == 400
    client.post(f"/t/durand/leads/{lead.pk}/disqualify/", {"reason": "no_need", "note": ""})
    with tenant_scope(tenant):
        lead.refresh_from_db()
    assert (lead.status, lead.unqualified_reason) == (Lead.Status.UNQUALIFIED, "no_need")


def test_a_rep_may_not_change_a_colleague_lead_even_when_shown_it(tenant, member) -> None:
    """A sharing default of "read" shows every lead; changing another's needs the role's reach."""
    from governance.models import SharingDefault

    rep, colleague = member(tenant), member(tenant)
    lead = lead_of(tenant, colleague)
    with tenant_scope(tenant):
        SharingDefault.objects.create(model_label="leads.lead", access="read")
    client = logged_in(rep)
    assert client.get(f"/t/durand/leads/{lead.pk}/").status_code == 200
    assert client.post(f"/t/durand/leads/{lead.pk}/first-contact/").status_code == 403
    assert client.get(f"/t/durand/leads/{lead.pk}/edit/").status_code == 403
    with tenant_scope(tenant):
        lead.refresh_from_db()
    assert (lead.first_contacted_at, lead.version) == (None, 1)


def test_convert_page_shows_the_duplicate_account_and_converts(tenant, member) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        existing = Account.objects.create(
            legal_name="Menuiserie Dubois", owner=rep.user, siret=SIRET, siren=SIRET[:9]
        )
    lead = lead_of(tenant, rep, company_name="Menuiserie Dubois", email="marc@dubois.fr", siret=SIRET)
    with tenant_scope(tenant):
        LeadSettings.objects.create(tenant=tenant, conversion_prerequisites=[])
    client = logged_in(rep)
    page = client.get(f"/t/durand/leads/{lead.pk}/convert/")
    assert page.status_code == 200
    assert [choice[0] for choice in page.context["form"].fields["account"].choices] == [
        str(existing.pk),
        "new",
    ]
    done = client.post(f"/t/durand/leads/{lead.pk}/convert/", {"account": str(existing.pk), "contact": "new"})
    assert done.status_code == 302
    assert done["Location"] == f"/t/durand/accounts/{existing.pk}/"
    with tenant_scope(tenant):
        lead.refresh_from_db()
    assert (lead.status, lead.converted_account_id) == (Lead.Status.CONVERTED, existing.pk)
    again = client.post(f"/t/durand/leads/{lead.pk}/convert/", {"account": "new", "contact": "new"})
    assert again.status_code == 400
    assert "already converted" in again.text


def test_another_tenant_lead_is_404(tenant, other_tenant, member) -> None:
    foreign = lead_of(other_tenant, member(other_tenant))
    client = logged_in(member(tenant, Role.TENANT_ADMIN))
    for path in (f"/t/durand/leads/{foreign.pk}/", f"/t/durand/leads/{foreign.pk}/edit/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/t/durand/leads/{foreign.pk}/qualify/").status_code == 404


def test_support_has_no_lead_pages(tenant, member) -> None:
    assert logged_in(member(tenant, Role.SUPPORT_AGENT)).get("/t/durand/leads/").status_code == 403


def test_home_widget_counts_overdue_and_queue(tenant, member) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    overdue = lead_of(tenant, manager)
    lead_of(tenant, None)
    with tenant_scope(tenant):
        Lead.objects.filter(pk=overdue.pk).update(first_contact_due_at="2020-01-01T00:00:00Z")
    page = logged_in(manager).get("/t/durand/")
    widget = next(w for w in page.context["widgets"] if w["template"] == "leads/home_attention.html")
    assert widget["leads_attention"] == {"mine_overdue": 1, "overdue": 1, "queue": 1}
    assert re.search(r"Leads needing attention", page.text)
