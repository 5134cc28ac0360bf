"""Task pages: my tasks (overdue, today, upcoming, done recently; sorted by due time then priority; a
constant number of queries), filters and team view, create with the related record prefilled, edit,
quick complete (with and without htmx), visibility per role, foreign tenant 404, record panels and
the home widget."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from activities.models import Task
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory
from tests.activities.factories_tasks import TaskFactory

pytestmark = pytest.mark.django_db


def _titles(body: str, section: str, titles: list[str]) -> list[str]:
    """The given titles in the order they appear in the section (by its heading id)."""
    start = body.index(f'id="tasks-{section}"')
    end = body.find("</section>", start)
    part = body[start:end] if end != -1 else body[start:]
    found = [title for title in titles if title in part]
    return sorted(found, key=part.index)


def _local_noon_today() -> Any:
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)


def test_my_tasks_are_split_and_sorted(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    now = timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=0, microsecond=0)
    with tenant_scope(tenant):
        me = rep.user
        TaskFactory(
            assignee=me, title="Retard bas", due_at=now - timedelta(days=2), priority=Task.Priority.LOW
        )
        TaskFactory(
            assignee=me, title="Retard urgent", due_at=now - timedelta(days=2), priority=Task.Priority.URGENT
        )
        TaskFactory(assignee=me, title="Retard ancien", due_at=now - timedelta(days=5))
        if end_of_day > now + timedelta(minutes=2):
            TaskFactory(assignee=me, title="Ce soir", due_at=end_of_day)
        TaskFactory(assignee=me, title="Semaine prochaine", due_at=now + timedelta(days=7))
        TaskFactory(assignee=me, title="Demain", due_at=now + timedelta(days=1, hours=1))
        TaskFactory(
            assignee=me,
            title="Bouclée",
            due_at=now - timedelta(days=1),
            status=Task.Status.DONE,
            completed_at=now,
        )
        TaskFactory(title="Pas à moi", due_at=now - timedelta(days=1))
    body = client.get("/t/durand/tasks/").content.decode()
    titles = [
        "Retard bas",
        "Retard urgent",
        "Retard ancien",
        "Ce soir",
        "Demain",
        "Semaine prochaine",
        "Bouclée",
    ]
    assert _titles(body, "overdue", titles) == ["Retard ancien", "Retard urgent", "Retard bas"]
    if end_of_day > now + timedelta(minutes=2):
        assert _titles(body, "today", titles) == ["Ce soir"]
    assert _titles(body, "upcoming", titles) == ["Demain", "Semaine prochaine"]
    assert _titles(body, "done", titles) == ["Bouclée"]
    assert "Pas à moi" not in body


def test_my_tasks_costs_the_same_queries_for_3_or_30_tasks(
    tenant: Any, client_of: Any, django_assert_max_num_queries: Any
) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)

    def make(count: int) -> None:
        with tenant_scope(tenant):
            account = AccountFactory(owner=rep.user)
            for index in range(count):
                TaskFactory(
                    assignee=rep.user, account=account, due_at=timezone.now() + timedelta(hours=index - 5)
                )

    make(3)
    with django_assert_max_num_queries(40) as few:
        client.get("/t/durand/tasks/")
    make(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/t/durand/tasks/")
    assert response.status_code == 200


def test_filters_and_team_view_of_a_manager(tenant: Any, client_of: Any, member: Any) -> None:
    client, manager = client_of(tenant, Role.SALES_MANAGER)
    report = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    stranger = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        TaskFactory(assignee=manager.user, title="La mienne", kind=Task.Kind.INTERNAL)
        TaskFactory(assignee=report.user, title="Celle de mon équipe", priority=Task.Priority.HIGH)
        TaskFactory(assignee=stranger.user, title="Celle du voisin")
    mine = client.get("/t/durand/tasks/").content.decode()
    team = client.get("/t/durand/tasks/?assignee=team").content.decode()
    one = client.get(f"/t/durand/tasks/?assignee={report.user.pk}&priority=3").content.decode()
    outsider = client.get(f"/t/durand/tasks/?assignee={stranger.user.pk}").content.decode()
    kind = client.get("/t/durand/tasks/?assignee=team&kind=internal").content.decode()
    assert ("La mienne" in mine, "Celle de mon équipe" in mine) == (True, False)
    assert ("La mienne" in team, "Celle de mon équipe" in team, "Celle du voisin" in team) == (
        True,
        True,
        False,
    )
    assert ("La mienne" in one, "Celle de mon équipe" in one) == (False, True)
    assert "Celle du voisin" not in outsider  # not in my team: back to my own tasks
    assert ("La mienne" in kind, "Celle de mon équipe" in kind) == (True, False)


def test_a_rep_finds_the_tasks_they_gave_to_others(tenant: Any, client_of: Any, member: Any) -> None:
    # given a rep who manages nobody and gave a task to a colleague
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.INSIDE_SALES_REP)
    with tenant_scope(tenant):
        TaskFactory(assignee=colleague.user, created_by=rep.user, title="Préparer la démo pour moi")
        TaskFactory(assignee=rep.user, created_by=rep.user, title="Ma propre relance")
        TaskFactory(assignee=colleague.user, created_by=colleague.user, title="Sa propre tâche")
    # when they open "Given to others"
    page = client.get("/t/durand/tasks/?assignee=delegated").content.decode()
    # then only the task they gave shows, with its assignee; their own list keeps their own
    assert ("Préparer la démo pour moi" in page, "Ma propre relance" in page, "Sa propre tâche" in page) == (
        True,
        False,
        False,
    )
    assert str(colleague.user) in page
    assert 'value="delegated" selected' in page
    assert "Préparer la démo pour moi" not in client.get("/t/durand/tasks/").content.decode()


def test_create_a_task_about_an_account_from_its_page(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user, legal_name="Menuiserie Dupont")
    form = client.get(f"/t/durand/tasks/new/?account={account.pk}")
    assert "Menuiserie Dupont" in form.content.decode()
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        "/t/durand/tasks/new/",
        {
            "kind": "sales_follow_up",
            "title": "Envoyer le devis",
            "due_date": tomorrow.isoformat(),
            "due_time": "14:30",
            "priority": "3",
            "assignee": rep.user.pk,
            "remind": "60",
            "account": account.pk,
        },
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        task = Task.objects.get()
        local = timezone.localtime(task.due_at)
    assert (task.account_id, task.priority, task.remind_minutes_before, task.created_by_id) == (
        account.pk, 3, 60, rep.user.pk,
    )  # fmt: skip
    assert (local.date(), local.hour, local.minute) == (tomorrow, 14, 30)
    detail = client.get(response["Location"]).content.decode()
    assert ("Envoyer le devis" in detail, "Menuiserie Dupont" in detail) == (True, True)


def test_a_rep_may_not_give_a_task_to_someone_else_nor_about_an_invisible_record(
    tenant: Any, client_of: Any, member: Any
) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    peer = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        from leads.models import Lead

        hidden = Lead.objects.create(last_name="Caché", owner=peer.user)
    data = {
        "kind": "internal", "title": "X", "due_date": timezone.localdate().isoformat(), "due_time": "09:00",
        "priority": "2", "remind": "",
    }  # fmt: skip
    refused = client.post("/t/durand/tasks/new/", data | {"assignee": peer.user.pk})
    invisible = client.post("/t/durand/tasks/new/", data | {"assignee": rep.user.pk, "lead": hidden.pk})
    empty = client.post(
        "/t/durand/tasks/new/", data | {"assignee": rep.user.pk, "title": "", "due_date": "31/02"}
    )
    assert (refused.status_code, invisible.status_code, empty.status_code) == (400, 400, 400)
    with tenant_scope(tenant):
        assert Task.objects.count() == 0


def test_quick_complete_with_and_without_htmx(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        first = TaskFactory(assignee=rep.user, title="Un")
        second = TaskFactory(assignee=rep.user, title="Deux")
    plain = client.post(f"/t/durand/tasks/{first.pk}/complete/", {"next": "/t/durand/tasks/"})
    htmx = client.post(f"/t/durand/tasks/{second.pk}/complete/", HTTP_HX_REQUEST="true")
    assert (plain.status_code, plain["Location"]) == (302, "/t/durand/tasks/")
    assert (htmx.status_code, f'id="task-{second.pk}"' in htmx.content.decode()) == (200, True)
    assert client.get(f"/t/durand/tasks/{first.pk}/complete/").status_code == 405
    with tenant_scope(tenant):
        assert set(Task.objects.values_list("status", flat=True)) == {"done"}
    offsite = client.post(f"/t/durand/tasks/{first.pk}/reopen/", {"next": "https://evil.example/"})
    assert offsite["Location"] == f"/t/durand/tasks/{first.pk}/"


def test_edit_a_task_and_see_its_history(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        from activities.services.tasks import task_create

        task = task_create(
            actor=rep.user, assignee=rep.user, title="Avant", due_at=timezone.now() + timedelta(days=1)
        )
    page = client.get(f"/t/durand/tasks/{task.pk}/edit/")
    assert page.status_code == 200
    local = timezone.localtime(task.due_at)
    response = client.post(
        f"/t/durand/tasks/{task.pk}/edit/",
        {
            "kind": "internal",
            "title": "Après",
            "due_date": local.date().isoformat(),
            "due_time": "10:00",
            "priority": "2",
            "assignee": rep.user.pk,
            "remind": "",
            "version": "1",
        },
    )
    assert response.status_code == 302
    detail = client.get(f"/t/durand/tasks/{task.pk}/").content.decode()
    assert ("Après" in detail, "Avant" in detail) == (True, True)  # the history shows the old title
    stale = client.post(
        f"/t/durand/tasks/{task.pk}/edit/",
        {
            "kind": "internal",
            "title": "Encore",
            "due_date": local.date().isoformat(),
            "due_time": "10:00",
            "priority": "2",
            "assignee": rep.user.pk,
            "remind": "",
            "version": "1",
        },
    )
    assert stale.status_code == 400


def test_visibility_per_role(tenant: Any, client_of: Any, member: Any) -> None:
    manager_client, manager = client_of(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    peer_client, _peer = client_of(tenant, Role.FIELD_SALES_REP)
    finance_client, _finance = client_of(tenant, Role.FINANCE)
    with tenant_scope(tenant):
        task = TaskFactory(assignee=rep.user, created_by=rep.user)
    assert manager_client.get(f"/t/durand/tasks/{task.pk}/").status_code == 200
    assert manager_client.post(f"/t/durand/tasks/{task.pk}/complete/").status_code == 302
    assert peer_client.get(f"/t/durand/tasks/{task.pk}/").status_code == 404
    assert peer_client.post(f"/t/durand/tasks/{task.pk}/reopen/").status_code == 404
    assert finance_client.get("/t/durand/tasks/").status_code == 403


def test_another_tenant_s_task_is_a_404(tenant: Any, other_tenant: Any, client_of: Any) -> None:
    client, _rep = client_of(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(other_tenant):
        foreign = TaskFactory()
    assert client.get(f"/t/durand/tasks/{foreign.pk}/").status_code == 404
    assert client.post(f"/t/durand/tasks/{foreign.pk}/complete/").status_code == 404
    assert client.get("/t/martin/tasks/").status_code == 404


def test_account_page_shows_its_open_tasks_with_an_add_link(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        TaskFactory(assignee=rep.user, account=account, title="Appeler la comptable")
        TaskFactory(assignee=rep.user, account=account, title="Déjà faite", status=Task.Status.DONE)
    body = client.get(f"/t/durand/accounts/{account.pk}/").content.decode()
    assert ("Appeler la comptable" in body, "Déjà faite" in body) == (True, False)
    assert f"/t/durand/tasks/new/?account={account.pk}" in body


def test_home_widget_counts_overdue_and_today(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    now = timezone.now()
    with tenant_scope(tenant):
        TaskFactory(assignee=rep.user, title="En retard", due_at=now - timedelta(hours=30))
        TaskFactory(assignee=rep.user, title="Plus tard", due_at=now + timedelta(days=3))
    body = client.get("/t/durand/").content.decode()
    assert 'id="home-my-tasks"' in body
    assert "1 en retard" in body
    assert body.index("En retard") < body.index("Plus tard")


def test_lead_contact_and_opportunity_pages_show_their_open_tasks(tenant: Any, client_of: Any) -> None:
    from tests.accounts.factories import ContactFactory
    from tests.leads.factories import LeadFactory
    from tests.opportunities.test_rules import opportunity_of

    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    opportunity = opportunity_of(tenant, rep, "Affaire")
    with tenant_scope(tenant):
        lead = LeadFactory(owner=rep.user)
        contact = ContactFactory(account=opportunity.account, owner=rep.user)
        TaskFactory(assignee=rep.user, lead=lead, title="Tâche de la piste")
        TaskFactory(assignee=rep.user, contact=contact, title="Tâche du contact")
        TaskFactory(assignee=rep.user, opportunity=opportunity, title="Tâche sur l affaire")
    for path, title, field in (
        (f"/t/durand/leads/{lead.pk}/", "Tâche de la piste", f"lead={lead.pk}"),
        (f"/t/durand/accounts/contacts/{contact.pk}/", "Tâche du contact", f"contact={contact.pk}"),
        (
            f"/t/durand/opportunities/{opportunity.pk}/",
            "Tâche sur l affaire",
            f"opportunity={opportunity.pk}",
        ),
    ):
        body = client.get(path).content.decode()
        assert title in body, path
        assert f"/t/durand/tasks/new/?{field}" in body, path
