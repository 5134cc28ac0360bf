"""/api/v1/tasks/ (CRUD, filters) and /api/v1/notifications/ (the key creator's, mark read)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from activities.models import Task
from crm import notifications
from crm.models import Notification
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory
from tests.accounts.test_api import api, key_for
from tests.activities.factories_tasks import TaskFactory

pytestmark = pytest.mark.django_db


def test_create_list_filter_update_complete_and_delete(tenant: Any, member: Any) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    rep = member(tenant, Role.FIELD_SALES_REP)
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
        TaskFactory(assignee=admin.user, title="Autre", due_at=timezone.now() + timedelta(days=30))
    due = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    created = api(
        "post",
        "/api/v1/tasks/",
        key,
        {"title": "Relancer", "due_at": due.isoformat(), "assignee": rep.user.pk, "account": account.pk,
         "priority": 3, "remind_minutes_before": 15},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["assignee"], body["account"], body["status"], body["created_by"]) == (
        rep.user.pk, account.pk, "open", admin.user.pk,
    )  # fmt: skip
    listed = api("get", f"/api/v1/tasks/?assignee={rep.user.pk}&status=open", key).json()["results"]
    ranged = api(
        "get", f"/api/v1/tasks/?due_before={(due + timedelta(days=2)).isoformat().replace('+', '%2B')}", key
    )
    assert [row["id"] for row in listed] == [body["id"]]
    assert [row["title"] for row in ranged.json()["results"]] == ["Relancer"]
    assert api("get", "/api/v1/tasks/?due_after=demain", key).status_code == 400
    stale = api("patch", f"/api/v1/tasks/{body['id']}/", key, {"title": "Non", "version": 9})
    done = api(
        "patch",
        f"/api/v1/tasks/{body['id']}/",
        key,
        {"title": "Relancer vite", "status": "done", "version": 1},
    )
    assert stale.status_code == 409
    assert (done.status_code, done.json()["status"], done.json()["title"]) == (200, "done", "Relancer vite")
    assert api("delete", f"/api/v1/tasks/{body['id']}/", key).status_code == 204
    with tenant_scope(tenant):
        assert not Task.objects.filter(pk=body["id"]).exists()


def test_bad_input_names_the_fields(tenant: Any, member: Any) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    response = api("post", "/api/v1/tasks/", key, {"title": "", "priority": 9, "account": 999999})
    assert response.status_code == 400
    assert {"title", "priority", "due_at"} <= set(response.json()["error"]["fields"])
    missing = api(
        "post", "/api/v1/tasks/", key, {"title": "X", "due_at": timezone.now().isoformat(), "account": 999999}
    )
    assert missing.status_code == 400
    with tenant_scope(tenant):
        assert Task.objects.count() == 0


def test_a_key_without_company_wide_reach_sees_no_task_and_changes_none(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    key = key_for(tenant, Role.FIELD_SALES_REP, rep)
    with tenant_scope(tenant):
        task = TaskFactory(assignee=rep.user)
    assert api("get", "/api/v1/tasks/", key).json()["results"] == []
    assert api("get", f"/api/v1/tasks/{task.pk}/", key).status_code == 404
    assert api("patch", f"/api/v1/tasks/{task.pk}/", key, {"title": "X", "version": 1}).status_code == 403
    assert api("delete", f"/api/v1/tasks/{task.pk}/", key).status_code == 403
    # Adding is open to the role (as for leads and accounts): the task goes to the key's creator.
    created = api("post", "/api/v1/tasks/", key, {"title": "X", "due_at": timezone.now().isoformat()})
    assert (created.status_code, created.json()["assignee"]) == (201, rep.user.pk)
    # ...but not about a record the key cannot reach, even the creator's own account.
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
    linked = api(
        "post",
        "/api/v1/tasks/",
        key,
        {"title": "Lié", "due_at": timezone.now().isoformat(), "account": account.pk},
    )
    assert (linked.status_code, list(linked.json()["error"]["fields"])) == (400, ["account"])
    with tenant_scope(tenant):
        assert not Task.objects.filter(title="Lié").exists()


def test_another_tenant_s_task_is_a_404(tenant: Any, other_tenant: Any, member: Any) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    key = key_for(tenant, Role.TENANT_ADMIN, admin)
    with tenant_scope(other_tenant):
        foreign = TaskFactory()
    assert api("get", f"/api/v1/tasks/{foreign.pk}/", key).status_code == 404
    assert api("patch", f"/api/v1/tasks/{foreign.pk}/", key, {"title": "X", "version": 1}).status_code == 404


def test_notifications_of_the_key_creator_and_mark_read(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    other = member(tenant, Role.FIELD_SALES_REP)
    key = key_for(tenant, Role.FIELD_SALES_REP, rep)
    with tenant_scope(tenant):
        mine = notifications.notify(user=rep.user, event="task.assigned", key="1", title="À moi")
        notifications.notify(user=rep.user, event="task.assigned", key="2", title="Aussi à moi")
        theirs = notifications.notify(user=other.user, event="task.assigned", key="3", title="Pour le voisin")
    listed = api("get", "/api/v1/notifications/", key).json()["results"]
    assert sorted(row["title"] for row in listed) == ["Aussi à moi", "À moi"]
    read = api("post", f"/api/v1/notifications/{mine.pk}/read/", key)
    assert (read.status_code, read.json()["read_at"] is not None) == (200, True)
    assert api("post", f"/api/v1/notifications/{theirs.pk}/read/", key).status_code == 404
    assert [row["title"] for row in api("get", "/api/v1/notifications/?unread=1", key).json()["results"]] == [
        "Aussi à moi"
    ]
    assert api("post", "/api/v1/notifications/read-all/", key).json() == {"marked": 1}
    with tenant_scope(tenant):
        assert Notification.objects.get(pk=theirs.pk).read_at is None
