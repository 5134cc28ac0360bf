"""Reads of the agenda: whose agenda a member may see, and the events and tasks of one or several
people in a range. Every read is a fixed number of queries whatever the number of rows.

Who sees whose agenda (the owner's CalendarSettings.sharing, TEAM when never set):
- shared: everyone in the tenant;
- team: the people above the owner in the management chain and the members of the owner's teams;
- private: only the owner.
An event is shown in full to someone else only when it is not private and the viewer may see the
activity itself (activities.selectors.activity_visibility); otherwise it is a "Busy" block (time only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from activities.models import Activity, ActivityType, CalendarSettings, Task
from crm.models import Membership
from governance.models import TeamMember
from governance.selectors import membership_subordinate_user_ids

AGENDA_KINDS = (ActivityType.Kind.MEETING, ActivityType.Kind.CALL)
AGENDA_STATUSES = (Activity.Status.PLANNED, Activity.Status.DONE)


def calendar_settings_for(*, user_id: int) -> CalendarSettings:
    """The member's settings row, or an unsaved one with the defaults."""
    found = CalendarSettings.objects.filter(user_id=user_id).first()
    return found or CalendarSettings(user_id=user_id)


def agenda_viewable_user_ids(*, viewer: Membership) -> set[int]:
    """The users (active members) whose agenda this member may open, themselves included: four
    queries whatever the size of the company."""
    sharing = dict(CalendarSettings.objects.values_list("user_id", "sharing"))
    below = membership_subordinate_user_ids(membership=viewer)
    my_teams = TeamMember.objects.filter(membership=viewer).values("team_id")
    teammates = set(
        TeamMember.objects.filter(team_id__in=my_teams).values_list("membership__user_id", flat=True)
    )
    allowed = {viewer.user_id}
    for user_id in Membership.objects.filter(is_active=True).values_list("user_id", flat=True):
        level = sharing.get(user_id, CalendarSettings.Sharing.TEAM)
        if level == CalendarSettings.Sharing.SHARED or (
            level == CalendarSettings.Sharing.TEAM and (user_id in below or user_id in teammates)
        ):
            allowed.add(user_id)
    return allowed


def agenda_members(*, user_ids: set[int]) -> list[Membership]:
    return list(
        Membership.objects.filter(user_id__in=user_ids, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def agenda_activities(
    *,
    owner_ids: set[int] | list[int],
    start: datetime,
    end: datetime,
    statuses: tuple[str, ...] = AGENDA_STATUSES,
) -> QuerySet[Activity]:
    """Planned and done meetings and calls of these owners overlapping [start, end)."""
    overlaps = Q(starts_at__lt=end) & (Q(starts_at__gte=start) | Q(ends_at__gt=start))
    return (
        Activity.objects.filter(
            overlaps, owner_id__in=owner_ids, type__kind__in=AGENDA_KINDS, status__in=statuses
        )
        .select_related("type", "owner")
        .order_by("starts_at", "id")
    )


def agenda_tasks(
    *, viewer: Membership, owner_ids: set[int] | list[int], start: datetime, end: datetime
) -> QuerySet[Task]:
    """Open tasks of these people due in [start, end) that the viewer may see."""
    return (
        Task.objects.visible_to(viewer)
        .open()
        .filter(assignee_id__in=owner_ids, due_at__gte=start, due_at__lt=end)
        .order_by("due_at", "id")
    )


@dataclass(frozen=True)
class AgendaItem:
    """One thing to show: an activity (in full or as "Busy") or a task."""

    kind: str  # "event" or "task"
    starts_at: datetime
    ends_at: datetime | None
    title: str
    owner_id: int
    all_day: bool = False
    is_busy: bool = False
    status: str = ""
    location: str = ""
    activity: Activity | None = None
    task: Task | None = None


def agenda_items(
    *, viewer: Membership, owner_ids: set[int] | list[int], start: datetime, end: datetime, busy_label: str
) -> list[AgendaItem]:
    """Events and tasks of these owners in the range, as the viewer may see them: three queries."""
    activities = list(agenda_activities(owner_ids=owner_ids, start=start, end=end))
    others = [activity.pk for activity in activities if activity.owner_id != viewer.user_id]
    readable: set[int] = set()
    if others:
        readable = set(
            Activity.objects.visible_to(viewer)
            .filter(pk__in=others, is_private=False)
            .values_list("pk", flat=True)
        )
    items: list[AgendaItem] = []
    for activity in activities:
        in_full = activity.owner_id == viewer.user_id or activity.pk in readable
        items.append(
            AgendaItem(
                kind="event",
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
                title=activity.subject if in_full else busy_label,
                owner_id=activity.owner_id,
                all_day=activity.all_day,
                is_busy=not in_full,
                status=activity.status,
                location=activity.location if in_full else "",
                activity=activity if in_full else None,
            )
        )
    for task in agenda_tasks(viewer=viewer, owner_ids=owner_ids, start=start, end=end):
        items.append(
            AgendaItem(
                kind="task",
                starts_at=task.due_at,
                ends_at=None,
                title=task.title,
                owner_id=task.assignee_id,
                status=task.status,
                task=task,
            )
        )
    items.sort(key=lambda item: (not item.all_day, item.starts_at))
    return items


def feed_activities(*, owner_id: int, start: datetime, end: datetime) -> QuerySet[Activity]:
    """The ICS feed's events: the owner's planned, done and cancelled meetings and calls in the
    window (cancelled ones stay in the feed as STATUS:CANCELLED, so subscribed calendars drop them)."""
    statuses = (*AGENDA_STATUSES, Activity.Status.CANCELLED)
    return agenda_activities(owner_ids=[owner_id], start=start, end=end, statuses=statuses)
