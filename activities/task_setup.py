"""Wiring of the tasks and notifications part (called once from ActivitiesConfig.ready()): its events
and their subscribers, the menu entry, the "Open tasks" panels of record pages and the home widget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, Model, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Membership

HOME_NEXT = 5
PANEL_SIZE = 10
RECORD_PANELS = (
    ("accounts.account", "account"),
    ("accounts.contact", "contact"),
    ("leads.lead", "lead"),
    ("opportunities.opportunity", "opportunity"),
)


def record_panel(field: str) -> Callable[[HttpRequest, Model], dict[str, Any] | None]:
    def context(request: HttpRequest, record: Model) -> dict[str, Any] | None:
        from activities.task_selectors import open_tasks_of

        if not request.user.has_perm("activities.view_task"):
            return None
        membership = request.membership  # type: ignore[attr-defined]
        return {
            "tasks": open_tasks_of(membership=membership, limit=PANEL_SIZE, **{field: record}),
            "field": field,
            "record_id": record.pk,
            "may_add": request.user.has_perm("activities.add_task"),
            "now": timezone.now(),
        }

    return context


def home_context(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    """My overdue and today's open tasks (counted in one query) and the next five."""
    from activities.models import Task
    from activities.task_selectors import end_of_today

    if not request.user.has_perm("activities.view_task"):
        return {"hidden": True}
    now = timezone.now()
    mine = Task.objects.open().filter(assignee_id=membership.user_id)
    counts = mine.aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=end_of_today(now))),
    )
    return {
        "hidden": False,
        "now": now,
        "overdue": counts["overdue"],
        "today": counts["today"],
        "next": list(mine.order_by("due_at", "-priority", "id")[:HOME_NEXT]),
    }


def ready() -> None:
    # The events emitted by the floors below are declared by their emitting modules: import them so
    # that the preferences page lists them even before anything was emitted.
    import leads.services.records  # noqa: F401
    import opportunities.rules  # noqa: F401
    from activities.services import tasks as task_services
    from crm import events, home, navigation, panels

    task_services.register_events()
    events.subscribe(task_services.TASK_ASSIGNED, task_services.on_task_assigned)
    events.subscribe("lead.assigned", task_services.on_lead_assigned)
    events.subscribe("lead.first_contacted", task_services.on_lead_first_contacted)
    events.subscribe("opportunity.close_date_passed", task_services.on_close_date_passed)
    navigation.register(
        navigation.NavigationEntry(
            "tasks:my_tasks", _("My tasks"), permission="activities.view_task", order=5
        )
    )
    navigation.register(
        navigation.NavigationEntry(
            "notifications:notification_preferences", _("Notification preferences"), order=85, menu="user"
        )
    )
    for label, field in RECORD_PANELS:
        panels.register(
            panels.RecordPanel(label, "activities/tasks/record_panel.html", record_panel(field), order=50)
        )
    home.register(home.HomeWidget("activities/tasks/home_widget.html", home_context, order=20))
