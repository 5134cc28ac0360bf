"""Reads on tasks: every list starts from `Task.objects.visible_to(membership)` (the assignee, the
creator and the people above the assignee)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from activities.models import Task
from crm.models import Membership

SECTION_LIMIT = 100
DONE_RECENTLY_DAYS = 7
DONE_RECENTLY_LIMIT = 20
RELATED = ("assignee", "account", "contact", "lead", "opportunity")


def task_list(*, membership: Membership) -> QuerySet[Task]:
    return Task.objects.visible_to(membership).select_related(*RELATED)


def task_get(*, membership: Membership, pk: int) -> Task:
    """The task, if this member may see it (else Task.DoesNotExist)."""
    return task_list(membership=membership).select_related("created_by").get(pk=pk)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class MyTasks:
    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    done_recently: list[Task] = field(default_factory=list)


def end_of_today(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def my_tasks(
    *,
    membership: Membership,
    filters: Any,
    team_user_ids: set[int] | None = None,
    now: datetime | None = None,
) -> MyTasks:
    """The sections of "my tasks": overdue, today, upcoming (each by due time, then priority, highest
    first) and done in the last days. `filters`: assignee ("" = me, "team" = me and the people below
    me, a user id among them, or "delegated" = the tasks I gave to others), kind, priority. Four
    queries whatever the number of tasks."""
    now = now or timezone.now()
    rows = task_list(membership=membership)
    assignee = filters.get("assignee", "") or ""
    team = team_user_ids or {membership.user_id}
    if assignee == "team":
        rows = rows.filter(assignee_id__in=team)
    elif assignee == "delegated":
        rows = rows.filter(created_by_id=membership.user_id).exclude(assignee_id=membership.user_id)
    elif _int(assignee) in team:
        rows = rows.filter(assignee_id=_int(assignee))
    else:
        rows = rows.filter(assignee_id=membership.user_id)
    if filters.get("kind") in Task.Kind.values:
        rows = rows.filter(kind=filters["kind"])
    priority = _int(filters.get("priority"))
    if priority is not None and priority in Task.Priority.values:
        rows = rows.filter(priority=priority)
    open_rows = rows.filter(status=Task.Status.OPEN).order_by("due_at", "-priority", "id")
    midnight = end_of_today(now)
    return MyTasks(
        overdue=list(open_rows.filter(due_at__lt=now)[:SECTION_LIMIT]),
        today=list(open_rows.filter(due_at__gte=now, due_at__lt=midnight)[:SECTION_LIMIT]),
        upcoming=list(open_rows.filter(due_at__gte=midnight)[:SECTION_LIMIT]),
        done_recently=list(
            rows.filter(
                status=Task.Status.DONE, completed_at__gte=now - timedelta(days=DONE_RECENTLY_DAYS)
            ).order_by("-completed_at", "-id")[:DONE_RECENTLY_LIMIT]
        ),
    )


def open_tasks_of(*, membership: Membership, limit: int = 10, **related: Any) -> list[Task]:
    """The open tasks about one record (account=…, contact=…, lead=… or opportunity=…) this member sees."""
    return list(
        task_list(membership=membership)
        .filter(status=Task.Status.OPEN, **related)
        .order_by("due_at", "-priority", "id")[:limit]
    )
