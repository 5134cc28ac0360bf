"""The one door for writing tasks (spec 2.3.2): create, change, complete, reopen; the tasks and
notifications that events create (a lead assigned, an opportunity's close date passed); the reminder
sweep. Views, the API and the event subscribers all go through here.

- history records who did it (set_history_user);
- a task given to someone else tells them ("task.assigned", on commit);
- a task created by an event carries a `source_key`: the same event never creates two tasks;
- reminders are read from PostgreSQL by a sweep (every minute), locked with SKIP LOCKED and marked
  `reminded_at` in the same transaction as their notification: each is delivered once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import Task
from crm import events
from crm.history import set_history_user
from crm.models import Membership, Tenant, User
from crm.notifications import notify, tenant_path, user_language
from crm.roles import Role
from crm.tenancy import current_tenant

TASK_ASSIGNED = "task.assigned"
TASK_REMINDER = "task.reminder"
REMINDER_BATCH = 200
# The reminder choices of the form and the API (minutes before the due time).
REMINDER_CHOICES = (
    (None, gettext_lazy("No reminder")),
    (0, gettext_lazy("At the due time")),
    (15, gettext_lazy("15 minutes before")),
    (60, gettext_lazy("1 hour before")),
    (60 * 24, gettext_lazy("1 day before")),
)
RELATED_FIELDS = ("account", "contact", "lead", "opportunity")
EDITABLE_FIELDS = (
    "kind",
    "title",
    "description",
    "due_at",
    "priority",
    "assignee",
    "remind_minutes_before",
    *RELATED_FIELDS,
)
# Due dates outside these years are typing errors (and times zones had odd offsets before 1911).
DUE_YEARS = (2000, 2199)
# Who may give tasks to anyone of the company (others: themselves and the people below them).
ASSIGN_ANYONE_ROLES = frozenset({Role.TENANT_ADMIN})


def register_events() -> None:
    events.register_event(TASK_ASSIGNED, gettext_lazy("A task is assigned to me"), "app", order=10)
    events.register_event(TASK_REMINDER, gettext_lazy("Task reminders"), "both", order=11)


def assignable_users(membership: Membership) -> QuerySet[User]:
    """Whom this member may give a task to: themselves; managers also the people below them (the
    company administrator: any active member)."""
    active = Membership.objects.filter(is_active=True, user__is_active=True)
    if membership.role not in ASSIGN_ANYONE_ROLES:
        from governance.selectors import membership_subordinate_user_ids

        allowed = {membership.user_id, *membership_subordinate_user_ids(membership=membership)}
        active = active.filter(user_id__in=allowed)
    return User.objects.filter(pk__in=active.values("user_id")).order_by("full_name", "email")


def next_business_day(moment: datetime) -> datetime:
    """The same time on the next working day (Saturday and Sunday skipped)."""
    moment = moment + timedelta(days=1)
    while timezone.localtime(moment).weekday() >= 5:
        moment += timedelta(days=1)
    return moment


def _check(task: Task) -> None:
    errors: dict[str, str] = {}
    task.title = (task.title or "").strip()
    if not task.title:
        errors["title"] = _("Give the task a title.")
    if task.due_at is None:
        errors["due_at"] = _("Give the task a due date and time.")
    elif not DUE_YEARS[0] <= task.due_at.year <= DUE_YEARS[1]:
        errors["due_at"] = _("Give a due date between %(first)s and %(last)s.") % {
            "first": DUE_YEARS[0],
            "last": DUE_YEARS[1],
        }
    if task.remind_minutes_before is not None and task.remind_minutes_before > 60 * 24 * 31:
        errors["remind_minutes_before"] = _("A reminder comes at most 31 days before the due time.")
    if (
        task.assignee_id is not None
        and not Membership.objects.filter(
            user_id=task.assignee_id, is_active=True, user__is_active=True
        ).exists()
    ):
        errors["assignee"] = _("This person is not an active member of the company.")
    if errors:
        raise ValidationError(errors)
    if task.contact is not None and task.account_id is None:
        task.account_id = task.contact.account_id
    if task.opportunity is not None and task.account_id is None:
        task.account_id = task.opportunity.account_id


def _announce_assignment(task: Task, actor: User | None) -> None:
    if actor is not None and task.assignee_id != actor.pk:
        events.emit(TASK_ASSIGNED, task_id=task.pk, actor_id=actor.pk, version=task.version)


@transaction.atomic
def task_create(
    *,
    actor: User | None,
    assignee: User,
    title: str,
    due_at: datetime,
    kind: str = Task.Kind.SALES_FOLLOW_UP,
    priority: int = Task.Priority.NORMAL,
    description: str = "",
    remind_minutes_before: int | None = None,
    account: Any = None,
    contact: Any = None,
    lead: Any = None,
    opportunity: Any = None,
    source_key: str = "",
) -> Task:
    task = Task(
        kind=kind,
        title=title,
        description=description,
        due_at=due_at,
        priority=priority,
        assignee=assignee,
        created_by=actor,
        remind_minutes_before=remind_minutes_before,
        account=account,
        contact=contact,
        lead=lead,
        opportunity=opportunity,
        source_key=source_key,
    )
    _check(task)
    set_history_user(task, actor=actor)
    task.save()
    _announce_assignment(task, actor)
    return task


def _locked(task: Task, expected_version: int | None) -> Task:
    current = Task.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(
            _("Someone else changed this task since you opened it. Reload it to see their changes.")
        )
    return current


def _save(current: Task, *, actor: User | None, reason: str = "") -> Task:
    current.version = F("version") + 1  # type: ignore[assignment]
    current.updated_at = timezone.now()
    set_history_user(current, actor=actor, reason=reason)
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def task_update(
    *, task: Task, actor: User | None, expected_version: int | None = None, **changes: Any
) -> Task:
    """Change the given fields (EDITABLE_FIELDS). A new assignee is told; a new due time or reminder
    re-arms the reminder (Task.save)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    current = _locked(task, expected_version)
    assignee_before = current.assignee_id
    for name, value in changes.items():
        setattr(current, name, value)
    _check(current)
    current = _save(current, actor=actor)
    if current.assignee_id != assignee_before:
        _announce_assignment(current, actor)
    return current


@transaction.atomic
def task_complete(*, task: Task, actor: User | None) -> Task:
    """Mark the task done (a done task stays done: a second call changes nothing)."""
    current = _locked(task, None)
    if current.status == Task.Status.DONE:
        return current
    current.status = Task.Status.DONE
    current.completed_at = timezone.now()
    return _save(current, actor=actor, reason=_("Completed"))


@transaction.atomic
def task_reopen(*, task: Task, actor: User | None) -> Task:
    current = _locked(task, None)
    if current.status == Task.Status.OPEN:
        return current
    current.status = Task.Status.OPEN
    current.completed_at = None
    return _save(current, actor=actor, reason=_("Reopened"))


@transaction.atomic
def task_cancel(*, task: Task, actor: User | None) -> Task:
    current = _locked(task, None)
    if current.status == Task.Status.CANCELLED:
        return current
    current.status = Task.Status.CANCELLED
    return _save(current, actor=actor, reason=_("Cancelled"))


def task_link(task: Task) -> str:
    return tenant_path("tasks:task_detail", task.pk)


def _when(moment: datetime) -> str:
    tenant = current_tenant()
    from zoneinfo import ZoneInfo

    return formats.date_format(
        timezone.localtime(moment, ZoneInfo(tenant.time_zone)), "SHORT_DATETIME_FORMAT"
    )


# --- Event subscribers (crm.events): run after the emitter's commit, in its tenant ---------------------


def on_task_assigned(*, task_id: int, actor_id: int, version: int = 1) -> None:
    """Tell the assignee that someone gave them a task (once per assignment)."""
    task = Task.objects.filter(pk=task_id, status=Task.Status.OPEN).select_related("assignee").first()
    if task is None or task.assignee_id == actor_id:
        return
    actor = User.objects.filter(pk=actor_id).first()
    with translation.override(user_language(task.assignee)):
        notify(
            user=task.assignee,
            event=TASK_ASSIGNED,
            key=f"{TASK_ASSIGNED}:{task.pk}:{task.assignee_id}:{version}",
            title=_("New task for you: %(title)s") % {"title": task.title},
            body=_("%(who)s gave you this task, due %(due)s.")
            % {"who": actor or _("Someone"), "due": _when(task.due_at)},
            url=task_link(task),
        )


def on_lead_first_contacted(*, lead_id: int, actor_id: int | None = None) -> None:
    """The lead's follow-up task ("lead.assigned:<lead>") is done once its first contact is logged,
    however it was (a call logged, the lead's button, the API)."""
    task = Task.objects.filter(source_key=f"lead.assigned:{lead_id}", status=Task.Status.OPEN).first()
    if task is not None:
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        task_complete(task=task, actor=actor)


def on_lead_assigned(*, lead_id: int, owner_id: int, actor_id: int | None = None) -> None:
    """One follow-up task per lead (`source_key` "lead.assigned:<lead>"), for its owner, due by its
    first-contact deadline (else the next business day), unless its first contact is logged already (a
    call while it sat in the queue); a reassignment hands the open task over to the new owner. The owner
    is notified when someone else gave them the lead (once per lead and owner)."""
    from leads.models import Lead

    lead = Lead.objects.filter(pk=lead_id, owner_id=owner_id).select_related("owner").first()
    if lead is None or lead.owner is None:
        return  # reassigned or deleted since
    owner = lead.owner
    key = f"lead.assigned:{lead.pk}"
    with translation.override(user_language(owner)):
        task = Task.objects.filter(source_key=key).first()
        if task is None:
            if lead.first_contacted_at is None:  # else contacted already: nothing to follow up
                try:
                    with transaction.atomic():
                        task = task_create(
                            actor=None,
                            assignee=owner,
                            title=(_("Contact the lead %(lead)s") % {"lead": lead})[:200],
                            due_at=lead.first_contact_due_at or next_business_day(timezone.now()),
                            kind=Task.Kind.SALES_FOLLOW_UP,
                            priority=Task.Priority.HIGH,
                            lead=lead,
                            source_key=key,
                        )
                except IntegrityError:
                    return  # a concurrent delivery of the same event created it
        elif task.status == Task.Status.OPEN and task.assignee_id != owner.pk:
            task = task_update(task=task, actor=None, assignee=owner)
        elif task.assignee_id != owner.pk:
            return  # followed up already; the new owner takes the lead as it is
        if actor_id != owner.pk:
            notify(
                user=owner,
                event="lead.assigned",
                key=f"{key}:{owner.pk}",
                title=_("Lead assigned to you: %(lead)s") % {"lead": lead},
                body=(
                    _("A follow-up task is due %(due)s.") % {"due": _when(task.due_at)}
                    if task is not None
                    else _("Its first contact is logged already.")
                ),
                url=tenant_path("leads:lead_detail", lead.pk),
            )


def on_close_date_passed(*, opportunity_id: int, close_date: str) -> None:
    """A task for the owner of an open opportunity whose expected close date passed: update the close
    date or close it. Once per (opportunity, close date)."""
    from opportunities.models import Opportunity

    opportunity = Opportunity.objects.filter(pk=opportunity_id).select_related("owner").first()
    if opportunity is None or opportunity.owner is None:
        return
    owner = opportunity.owner
    key = f"opportunity.close_date_passed:{opportunity.pk}:{close_date}"
    if Task.objects.filter(source_key=key).exists():
        return
    with translation.override(user_language(owner)):
        title = _("Update the close date or close the opportunity %(name)s") % {"name": opportunity.name}
        try:
            with transaction.atomic():
                task_create(
                    actor=None,
                    assignee=owner,
                    title=title[:200],
                    due_at=next_business_day(timezone.now()),
                    kind=Task.Kind.SALES_FOLLOW_UP,
                    priority=Task.Priority.HIGH,
                    opportunity=opportunity,
                    account=opportunity.account,
                    source_key=key,
                )
        except IntegrityError:
            return
        notify(
            user=owner,
            event="opportunity.close_date_passed",
            key=key,
            title=_("Close date passed: %(name)s") % {"name": opportunity.name},
            body=_("Update its close date or close it: a task was added to your list."),
            url=tenant_path("opportunities:opportunity_detail", opportunity.pk),
        )


# --- The reminder sweep ----------------------------------------------------------------------------------


def reminder_key(task: Task) -> str:
    """One reminder per task and reminder time: moving the due time re-arms it under a new key."""
    return f"{TASK_REMINDER}:{task.pk}:{task.remind_at.isoformat() if task.remind_at else ''}"


def reminders_due() -> QuerySet[Task]:
    return Task.objects.filter(status=Task.Status.OPEN, reminded_at__isnull=True, remind_at__isnull=False)


def task_reminder_sweep(*, tenant: Tenant, now: datetime | None = None, batch: int = REMINDER_BATCH) -> int:
    """Notify the assignees of this tenant's open tasks whose reminder time has come, once each: a batch
    per transaction, rows locked with SKIP LOCKED (a concurrent sweep takes the others), the
    notification and `reminded_at` written together. Returns how many reminders were sent."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                reminders_due()
                .filter(remind_at__lte=now)
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("assignee")
                .order_by("remind_at", "id")[:batch]
            )
            for task in due:
                with translation.override(user_language(task.assignee, tenant)):
                    notify(
                        user=task.assignee,
                        event=TASK_REMINDER,
                        key=reminder_key(task),
                        title=_("Reminder: %(title)s") % {"title": task.title},
                        body=_("Due %(due)s.") % {"due": _when(task.due_at)},
                        url=task_link(task),
                    )
            Task.objects.filter(pk__in=[task.pk for task in due]).update(reminded_at=now)
            total += len(due)
        if len(due) < batch:
            return total


@transaction.atomic
def task_delete(*, task: Task, actor: User | None) -> None:
    current = _locked(task, None)
    set_history_user(current, actor=actor)
    current.delete()
