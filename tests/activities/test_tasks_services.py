"""Task services: create, change, complete; "task.assigned" tells the assignee; the reminder sweep
delivers each reminder once, honouring the preferences; event-triggered tasks (a lead assigned, an
opportunity's close date passed) are created once."""

from __future__ import annotations

import datetime
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from activities.models import Task
from activities.services import tasks as services
from activities.tasks import minute_sweep
from crm.models import Notification, NotificationPreference
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.activities.factories_tasks import TaskFactory

pytestmark = pytest.mark.django_db


def test_create_change_complete_and_reopen_keep_history(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    due = timezone.now() + timedelta(days=1)
    with tenant_scope(tenant):
        task = services.task_create(
            actor=rep.user,
            assignee=rep.user,
            title="  Préparer la démo  ",
            due_at=due,
            remind_minutes_before=60,
        )
        assert (task.title, task.remind_at, task.created_by) == (
            "Préparer la démo",
            due - timedelta(hours=1),
            rep.user,
        )
        task = services.task_update(
            task=task, actor=rep.user, expected_version=1, priority=Task.Priority.URGENT
        )
        task = services.task_complete(task=task, actor=rep.user)
        assert (task.status, task.version, task.completed_at is not None) == ("done", 3, True)
        task = services.task_reopen(task=task, actor=rep.user)
        assert (task.status, task.completed_at) == ("open", None)
        history = list(task.history.order_by("history_date").values_list("history_user_id", "status"))
        assert history == [
            (rep.user.pk, "open"),
            (rep.user.pk, "open"),
            (rep.user.pk, "done"),
            (rep.user.pk, "open"),
        ]


def test_bad_input_is_refused_with_a_message_and_nothing_written(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    gone = member(tenant, Role.FIELD_SALES_REP, is_active=False)
    with tenant_scope(tenant):
        with pytest.raises(ValidationError) as error:
            services.task_create(actor=rep.user, assignee=gone.user, title=" ", due_at=timezone.now())
        assert set(error.value.message_dict) == {"title", "assignee"}
        task = TaskFactory(assignee=rep.user)
        with pytest.raises(ValidationError):
            services.task_update(task=task, actor=rep.user, expected_version=9, title="Autre")
        assert Task.objects.get(pk=task.pk).title == task.title
        assert Task.objects.count() == 1


def test_a_task_given_to_someone_else_tells_them_once(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        task = services.task_create(
            actor=manager.user, assignee=rep.user, title="Relancer", due_at=timezone.now()
        )
        services.task_create(actor=rep.user, assignee=rep.user, title="Pour moi", due_at=timezone.now())
    with tenant_scope(tenant):
        notes = list(Notification.objects.values_list("user_id", "event", "url", "in_app", "email_state"))
    assert notes == [(rep.user.pk, "task.assigned", f"/t/{tenant.slug}/tasks/{task.pk}/", True, "none")]


def _reminder_task(tenant: Any, user: Any, *, minutes_ago: int = 5) -> Task:
    with tenant_scope(tenant):
        return TaskFactory(
            assignee=user,
            due_at=timezone.now() + timedelta(minutes=60 - minutes_ago),
            remind_minutes_before=60,
        )


def test_a_due_reminder_is_delivered_once_in_the_app_and_by_e_mail(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    due = _reminder_task(tenant, rep.user)
    later = _reminder_task(tenant, rep.user, minutes_ago=-30)  # its reminder comes in 30 minutes
    with tenant_scope(tenant):
        TaskFactory(
            assignee=rep.user, due_at=timezone.now(), remind_minutes_before=0, status=Task.Status.DONE
        )

    first = minute_sweep(tenant_id=tenant.pk)
    second = minute_sweep(tenant_id=tenant.pk)

    assert (first, second) == (
        {"reminded": 1, "sent": 1, "failed": 0},
        {"reminded": 0, "sent": 0, "failed": 0},
    )
    with tenant_scope(tenant):
        note = Notification.objects.get()
        assert (note.event, note.key, note.in_app, note.email_state) == (
            "task.reminder", f"task.reminder:{due.pk}:{due.remind_at.isoformat()}", True, "sent",
        )  # fmt: skip
        assert Task.objects.get(pk=due.pk).reminded_at is not None
        assert Task.objects.get(pk=later.pk).reminded_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [rep.user.email]
    assert f"/t/{tenant.slug}/tasks/{due.pk}/" in mail.outbox[0].body


def test_a_moved_due_time_re_arms_the_reminder(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    task = _reminder_task(tenant, rep.user)
    minute_sweep(tenant_id=tenant.pk)
    with tenant_scope(tenant):
        task = services.task_update(task=task, actor=rep.user, due_at=timezone.now() + timedelta(minutes=30))
        assert task.reminded_at is None
    assert minute_sweep(tenant_id=tenant.pk)["reminded"] == 1
    with tenant_scope(tenant):
        assert Notification.objects.filter(event="task.reminder").count() == 2


@pytest.mark.parametrize(
    ("channel", "in_app", "mails"),
    [("none", None, 0), ("app", True, 0), ("email", False, 1), ("both", True, 1)],
)
def test_the_reminder_follows_the_preference(
    tenant: Any, member: Any, channel: str, in_app: bool | None, mails: int
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        NotificationPreference.objects.create(user=rep.user, event="task.reminder", channel=channel)
    task = _reminder_task(tenant, rep.user)

    minute_sweep(tenant_id=tenant.pk)

    with tenant_scope(tenant):
        assert list(Notification.objects.values_list("in_app", flat=True)) == (
            [] if in_app is None else [in_app]
        )
        assert Task.objects.get(pk=task.pk).reminded_at is not None  # handled, even when told nothing
    assert len(mail.outbox) == mails


def test_the_reminder_speaks_the_assignees_language(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    rep.user.language = "en"
    rep.user.save(update_fields=["language"])
    _reminder_task(tenant, rep.user)
    minute_sweep(tenant_id=tenant.pk)
    assert mail.outbox[0].subject.startswith("Reminder: ")
    frenchman = member(tenant, Role.FIELD_SALES_REP)
    _reminder_task(tenant, frenchman.user)
    minute_sweep(tenant_id=tenant.pk)
    assert mail.outbox[1].subject.startswith("Rappel : ")


def test_a_lead_assigned_gives_its_owner_one_follow_up_task(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from leads.services import lead_assign, lead_create

    dispatcher = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=dispatcher)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(
            tenant=tenant, actor=dispatcher.user, data={"last_name": "Dubois", "company_name": "Bois"}
        )
        assert lead.owner_id is None  # no rule: the queue
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead = lead_assign(lead=lead, actor=dispatcher.user, owner=rep.user)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead_assign(lead=lead, actor=dispatcher.user, owner=rep.user)  # the same assignment again
    with tenant_scope(tenant):
        task = Task.objects.get()
        expected_key = f"lead.assigned:{lead.pk}"
        assert (task.assignee_id, task.lead_id, task.kind, task.due_at, task.source_key) == (
            rep.user.pk, lead.pk, "sales_follow_up", lead.first_contact_due_at, expected_key,
        )  # fmt: skip
        assert list(Notification.objects.values_list("user_id", "event", "url")) == [
            (rep.user.pk, "lead.assigned", f"/t/{tenant.slug}/leads/{lead.pk}/")
        ]


@pytest.mark.parametrize("how", ["call logged", "lead button"])
def test_the_lead_follow_up_task_is_done_once_the_first_contact_is_logged(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any, how: str
) -> None:
    from activities.services import ActivityInput, activity_create
    from leads.services import lead_create, lead_log_first_contact
    from tests.activities.factories_agenda import activity_type

    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(tenant=tenant, actor=rep.user, data={"last_name": "Leroy", "owner": rep.user})
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        if how == "call logged":
            activity_create(
                data=ActivityInput(
                    type=activity_type("outbound_call"), subject="Appel", owner=rep.user, lead=lead
                ),
                actor=rep.user,
            )
        else:
            lead_log_first_contact(lead=lead, actor=rep.user)
    with tenant_scope(tenant):
        task = Task.objects.get(source_key=f"lead.assigned:{lead.pk}")
        assert (task.status, task.completed_at is not None) == (Task.Status.DONE, True)
        assert task.history.first().history_user_id == rep.user.pk  # type: ignore[attr-defined]


def test_a_lead_called_while_in_the_queue_gets_no_follow_up_task_when_assigned(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from leads.services import lead_assign, lead_create, lead_log_first_contact

    dispatcher = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=dispatcher)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(tenant=tenant, actor=dispatcher.user, data={"last_name": "Queue"})
        lead = lead_log_first_contact(lead=lead, actor=dispatcher.user)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead_assign(lead=lead, actor=dispatcher.user, owner=rep.user)
    with tenant_scope(tenant):
        assert not Task.objects.exists()
        assert list(Notification.objects.values_list("user_id", "body")) == [
            (rep.user.pk, "Son premier contact est déjà enregistré.")
        ]


def test_a_reassigned_lead_hands_its_open_task_over(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from leads.services import lead_assign, lead_create

    dispatcher = member(tenant, Role.SALES_MANAGER)
    first = member(tenant, Role.FIELD_SALES_REP, manager=dispatcher)
    second = member(tenant, Role.FIELD_SALES_REP, manager=dispatcher)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(
            tenant=tenant, actor=dispatcher.user, data={"last_name": "Roux", "owner": first.user}
        )
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead_assign(lead=lead, actor=dispatcher.user, owner=second.user)
    with tenant_scope(tenant):
        assert list(Task.objects.values_list("assignee_id", "source_key")) == [
            (second.user.pk, f"lead.assigned:{lead.pk}")
        ]
        assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(
            [first.user.pk, second.user.pk]
        )


def test_a_lead_created_with_its_own_owner_gets_a_task_but_no_notification(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from leads.services import lead_create

    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant), django_capture_on_commit_callbacks(execute=True):
        lead_create(tenant=tenant, actor=rep.user, data={"last_name": "Martin", "owner": rep.user})
    with tenant_scope(tenant):
        assert Task.objects.filter(assignee=rep.user).count() == 1
        assert Notification.objects.count() == 0


def test_an_overdue_close_date_gives_its_owner_one_task_and_keeps_the_mail(
    tenant: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from opportunities.tasks import rules_sweep
    from tests.opportunities.test_rules import opportunity_of

    rep = member(tenant, Role.FIELD_SALES_REP)
    past = timezone.localdate() - datetime.timedelta(days=3)
    opportunity = opportunity_of(tenant, rep, "En retard", expected_close_date=past)
    with django_capture_on_commit_callbacks(execute=True):
        rules_sweep(tenant_id=tenant.pk)
    with django_capture_on_commit_callbacks(execute=True):
        rules_sweep(tenant_id=tenant.pk)
    # The subscriber delivered twice (a retried event) still makes one task.
    with tenant_scope(tenant):
        services.on_close_date_passed(opportunity_id=opportunity.pk, close_date=past.isoformat())
        task = Task.objects.get()
        assert (task.assignee_id, task.opportunity_id, task.account_id, task.priority) == (
            rep.user.pk, opportunity.pk, opportunity.account_id, Task.Priority.HIGH,
        )  # fmt: skip
        assert Notification.objects.filter(event="opportunity.close_date_passed").count() == 1
    assert len(mail.outbox) == 1  # the rule's own alert, unchanged


def test_assignable_people_are_me_and_my_reports(tenant: Any, member: Any) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    report = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    peer = member(tenant, Role.FIELD_SALES_REP)
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        assert set(services.assignable_users(manager)) == {manager.user, report.user}
        assert set(services.assignable_users(report)) == {report.user}
        assert {manager.user, report.user, peer.user, admin.user} <= set(services.assignable_users(admin))


def test_next_business_day_skips_the_weekend() -> None:
    friday = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)
    assert services.next_business_day(friday).date() == datetime.date(2026, 11, 30)


def test_a_due_date_in_another_age_is_refused(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant), pytest.raises(ValidationError) as error:
        services.task_create(
            actor=rep.user,
            assignee=rep.user,
            title="Vieux",
            due_at=datetime.datetime(47, 8, 12, tzinfo=datetime.UTC),
        )
    assert set(error.value.message_dict) == {"due_at"}
