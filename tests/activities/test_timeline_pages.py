"""Activity pages and timelines: log an activity from a record (prefilled, back to the record), list
with filters, detail, edit, delete; timelines of accounts, contacts, leads and opportunities (newest
first, type chips, keyset pages, a constant number of queries); who sees which activity."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from activities.models import Activity, ActivityType
from activities.services import ActivityInput, activity_create
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.activities.factories import ActivityFactory, ActivityTypeFactory
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def logged_in(membership: Any) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(membership.user)
    return client


def log(tenant: Any, owner: Any, code: str = "outbound_call", **extra: Any) -> Activity:
    with tenant_scope(tenant):
        data = ActivityInput(
            type=ActivityTypeFactory(code=code),
            subject=extra.pop("subject", "Appel"),
            owner=owner.user,
            **extra,
        )
        return activity_create(data=data, actor=owner.user)


def test_log_an_activity_from_an_account_prefilled_and_back_to_it(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        first, second = ContactFactory(account=account), ContactFactory(account=account)
        ContactFactory(account=AccountFactory(owner=rep.user), last_name="Ailleurs")
    client = logged_in(rep)
    back = f"/t/durand/accounts/{account.pk}/"

    page = client.get(f"/t/durand/activities/new/?account={account.pk}&type=meeting&next={back}")

    assert page.status_code == 200
    form = page.context["form"]
    with tenant_scope(tenant):
        assert form.initial["account"] == account.pk
        assert ActivityType.objects.get(pk=form.initial["type"]).code == "meeting"  # types created lazily
        assert {contact.pk for contact in form.fields["contacts"].queryset} == {first.pk, second.pk}
    content = page.content.decode()
    assert 'type="datetime-local"' in content
    assert 'type="radio"' in content
    response = client.post(
        "/t/durand/activities/new/",
        {
            "type": form.initial["type"],
            "subject": "Point d'avancement",
            "status": "done",
            "starts_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "30",
            "outcome": "reached",
            "contacts": [first.pk],
            "account": account.pk,
            "next": back,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == back
    with tenant_scope(tenant):
        activity = Activity.objects.get()
        account.refresh_from_db()
        assert list(activity.contacts.values_list("pk", flat=True)) == [first.pk]
    assert activity.owner_id == rep.user_id
    assert account.last_contacted_at == activity.starts_at


def test_a_foreign_next_is_ignored_and_bad_input_is_refused(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        call = ActivityTypeFactory(code="outbound_call")
    client = logged_in(rep)
    base = {"type": call.pk, "status": "done", "account": account.pk, "next": "https://evil.example/"}
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    refused = client.post("/t/durand/activities/new/", {**base, "subject": "", "starts_at": now})
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    done_in_future = client.post("/t/durand/activities/new/", {**base, "subject": "Rdv", "starts_at": future})
    planned = client.post(
        "/t/durand/activities/new/", {**base, "subject": "Rdv", "starts_at": future, "status": "planned"}
    )

    assert refused.status_code == 400
    assert "subject" in refused.context["form"].errors
    assert done_in_future.status_code == 400
    assert "status" in done_in_future.context["form"].errors
    assert planned.status_code == 302
    assert planned["Location"] == f"/t/durand/accounts/{account.pk}/"
    with tenant_scope(tenant):
        assert Activity.objects.get().status == Activity.Status.PLANNED


def test_prefill_with_an_invisible_record_is_a_404(tenant: Any, other_tenant: Any, member: Any) -> None:
    rep = member(tenant)
    colleague = member(tenant)
    with tenant_scope(tenant):
        theirs = AccountFactory(owner=colleague.user)
    with tenant_scope(other_tenant):
        foreign = AccountFactory()
    client = logged_in(rep)
    assert client.get(f"/t/durand/activities/new/?account={theirs.pk}").status_code == 404
    assert client.get(f"/t/durand/activities/new/?account={foreign.pk}").status_code == 404
    assert client.get("/t/durand/activities/new/?lead=abc").status_code == 404


def test_who_sees_which_activity(tenant: Any, other_tenant: Any, member: Any) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, manager=manager)
    colleague = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        colleague_account = AccountFactory(owner=colleague.user)
    mine = log(tenant, rep, account=account, subject="Le mien")
    mine_private = log(tenant, rep, account=account, subject="Mon privé", is_private=True)
    on_my_account = log(tenant, colleague, account=account, subject="Sur mon compte")
    colleague_private = log(tenant, colleague, account=account, subject="Privé collègue", is_private=True)
    elsewhere = log(tenant, colleague, account=colleague_account, subject="Ailleurs")
    with tenant_scope(other_tenant):
        foreign_owner = member(other_tenant)
    foreign = log(other_tenant, foreign_owner, subject="Étranger")

    rep_client, manager_client = logged_in(rep), logged_in(manager)
    rep_list = rep_client.get("/t/durand/activities/")
    manager_list = manager_client.get("/t/durand/activities/")

    assert {a.pk for a in rep_list.context["activities"]} == {mine.pk, mine_private.pk, on_my_account.pk}
    # The manager reads every account (view ALL) but a private activity only below them.
    manager_sees = {a.pk for a in manager_list.context["activities"]}
    assert mine_private.pk in manager_sees
    assert colleague_private.pk not in manager_sees
    assert rep_client.get(f"/t/durand/activities/{colleague_private.pk}/").status_code == 404
    assert rep_client.get(f"/t/durand/activities/{elsewhere.pk}/").status_code == 404
    assert rep_client.get(f"/t/durand/activities/{foreign.pk}/").status_code == 404
    assert manager_client.get(f"/t/durand/activities/{mine_private.pk}/").status_code == 200
    timeline = rep_client.get(f"/t/durand/activities/timeline/account/{account.pk}/")
    assert {a.pk for a in timeline.context["panel"]["rows"]} == {mine.pk, mine_private.pk, on_my_account.pk}
    assert rep_client.get(f"/t/durand/activities/timeline/account/{colleague_account.pk}/").status_code == 404
    assert rep_client.get(f"/t/durand/activities/timeline/planet/{account.pk}/").status_code == 404


def test_list_filters_by_type_owner_and_period(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.SALES_DIRECTOR)
    other = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
    call = log(tenant, rep, account=account, subject="Appel")
    old_meeting = log(
        tenant,
        rep,
        "meeting",
        account=account,
        subject="Vieux",
        starts_at=timezone.now() - datetime.timedelta(days=60),
    )
    theirs = log(tenant, other, "note", account=account, subject="Note")
    client = logged_in(rep)

    def shown(query: str) -> set[int]:
        return {a.pk for a in client.get(f"/t/durand/activities/?{query}").context["activities"]}

    assert shown("") == {call.pk, old_meeting.pk, theirs.pk}
    assert shown(f"type={old_meeting.type_id}") == {old_meeting.pk}
    assert shown("owner=me") == {call.pk, old_meeting.pk}
    assert shown(f"owner={other.user_id}") == {theirs.pk}
    assert shown("period=past30") == {call.pk, theirs.pk}
    assert shown("period=today&owner=me") == {call.pk}


def test_the_list_pages_by_keyset(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        for index in range(55):
            ActivityFactory(
                owner=rep.user, account=account, starts_at=timezone.now() - datetime.timedelta(hours=index)
            )
    client = logged_in(rep)
    first = client.get("/t/durand/activities/")
    second = client.get(f"/t/durand/activities/{first.context['next_url']}")
    assert len(first.context["activities"]) == 50
    assert len(second.context["activities"]) == 5
    assert not {a.pk for a in first.context["activities"]} & {a.pk for a in second.context["activities"]}


def test_edit_and_delete(tenant: Any, member: Any) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    rep = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
    activity = log(tenant, rep, account=account, subject="Avant")
    other = log(tenant, director, account=account, subject="Du directeur")
    rep_client, director_client = logged_in(rep), logged_in(director)

    page = rep_client.get(f"/t/durand/activities/{activity.pk}/edit/")
    data = {
        name: value
        for name, value in page.context["form"].initial.items()
        if value is not None and name != "contacts"
    }
    data["starts_at"] = timezone.localtime(activity.starts_at).strftime("%Y-%m-%dT%H:%M")
    data["subject"] = "Après"
    saved = rep_client.post(f"/t/durand/activities/{activity.pk}/edit/", data)
    assert saved.status_code == 302
    assert rep_client.get(f"/t/durand/activities/{other.pk}/edit/").status_code == 403
    # Reps have no delete permission (governance matrix); the director does.
    assert rep_client.post(f"/t/durand/activities/{activity.pk}/delete/").status_code == 403
    confirm = director_client.get(f"/t/durand/activities/{activity.pk}/delete/")
    assert confirm.status_code == 200
    assert b"cannot be undone" in confirm.content
    gone = director_client.post(f"/t/durand/activities/{activity.pk}/delete/")
    assert gone.status_code == 302
    assert gone["Location"] == f"/t/durand/accounts/{account.pk}/"
    with tenant_scope(tenant):
        assert list(Activity.objects.values_list("subject", flat=True)) == ["Du directeur"]


def _timeline_rows(tenant: Any, rep: Any, account: Any, count: int) -> None:
    with tenant_scope(tenant):
        for index in range(count):
            contact = ContactFactory(account=account)
            ActivityFactory(
                owner=rep.user,
                account=account,
                lead=LeadFactory(owner=rep.user),
                opportunity=OpportunityFactory(account=account),
                contacts=[contact],
                starts_at=timezone.now() - datetime.timedelta(hours=index),
            )


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_timeline_queries_do_not_grow_with_rows(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        few, many = AccountFactory(owner=rep.user), AccountFactory(owner=rep.user)
    _timeline_rows(tenant, rep, few, 3)
    _timeline_rows(tenant, rep, many, 9)
    client = logged_in(rep)
    for url in ("/t/durand/activities/timeline/account/{}/", "/t/durand/accounts/{}/"):
        _queries(client, url.format(few.pk))  # warm the per-request caches alike
        assert _queries(client, url.format(few.pk)) == _queries(client, url.format(many.pk))


def test_timeline_newest_first_with_type_chips_and_older_pages(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        contact = ContactFactory(account=account)
        opportunity = OpportunityFactory(account=account, owner=rep.user)
    own = log(tenant, rep, "note", account=account, subject="Sur le compte")
    by_contact = log(tenant, rep, contacts=[contact], subject="Avec le contact")
    by_opportunity = log(tenant, rep, "meeting", opportunity=opportunity, subject="Sur l'affaire")
    with tenant_scope(tenant):
        for index in range(25):
            ActivityFactory(
                owner=rep.user,
                account=account,
                subject=f"Ancien {index}",
                starts_at=timezone.now() - datetime.timedelta(days=10 + index),
            )
    client = logged_in(rep)

    first = client.get(f"/t/durand/activities/timeline/account/{account.pk}/")
    panel = first.context["panel"]
    assert [a.pk for a in panel["rows"][:3]] == [by_opportunity.pk, by_contact.pk, own.pk]
    assert len(panel["rows"]) == 20
    older = client.get(panel["older_url"], headers={"hx-request": "true"})
    assert older.templates[0].name == "activities/timeline_rows.html"
    assert len(older.context["panel"]["rows"]) == 8
    assert older.context["panel"]["older_url"] is None
    meetings = client.get(
        f"/t/durand/activities/timeline/account/{account.pk}/?type={by_opportunity.type_id}"
    )
    assert [a.pk for a in meetings.context["panel"]["rows"]] == [by_opportunity.pk]
    in_place = client.get(
        f"/t/durand/activities/timeline/account/{account.pk}/?type={by_opportunity.type_id}&panel=1",
        headers={"hx-request": "true"},
    )
    assert in_place.templates[0].name == "activities/timeline_panel.html"
    assert [a.pk for a in in_place.context["panel"]["rows"]] == [by_opportunity.pk]
    account_page = client.get(f"/t/durand/accounts/{account.pk}/").content.decode()
    assert (
        f"/t/durand/activities/timeline/account/{account.pk}/?type={by_opportunity.type_id}&amp;panel=1"
        in (account_page)
    )
    contact_rows = client.get(f"/t/durand/activities/timeline/contact/{contact.pk}/").context["panel"]["rows"]
    assert [a.pk for a in contact_rows] == [by_contact.pk]
    content = first.content.decode()
    assert timezone.localtime(own.starts_at).strftime("%d/%m/%Y %H:%M") in content


def test_record_pages_show_their_timeline_panel(tenant: Any, member: Any) -> None:
    rep = member(tenant)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        contact = ContactFactory(account=account)
        opportunity = OpportunityFactory(account=account, owner=rep.user)
        lead = LeadFactory(owner=rep.user)
    log(tenant, rep, account=account, contacts=[contact], opportunity=opportunity, subject="Appel compte")
    log(tenant, rep, lead=lead, subject="Appel piste")
    client = logged_in(rep)
    for url, subject, kind in (
        (f"/t/durand/accounts/{account.pk}/", "Appel compte", "account"),
        (f"/t/durand/accounts/contacts/{contact.pk}/", "Appel compte", "contact"),
        (f"/t/durand/opportunities/{opportunity.pk}/", "Appel compte", "opportunity"),
        (f"/t/durand/leads/{lead.pk}/", "Appel piste", "lead"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        content = page.content.decode()
        assert subject in content, url
        assert f"/t/durand/activities/new/?{kind}=" in content, url
