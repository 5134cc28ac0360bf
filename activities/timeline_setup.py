"""What the timeline part of the activities app plugs into the kernel's and lower apps' registries
(called once from ActivitiesConfig.ready()): the navigation entry, the timeline panels of record pages,
global search, the "my activity" home widget, the lead conversion prerequisite "a call or meeting is
logged" and the opportunities' last-activity provider."""

from __future__ import annotations

from typing import Any

from django.db.models import DateTimeField, Expression, OuterRef, Subquery
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

CONTACT_MOMENTS = ("call", "meeting")


def lead_has_call_or_meeting(lead: object) -> bool:
    """A done call or meeting is logged on the lead."""
    from activities.models import Activity

    return Activity.objects.filter(
        lead_id=lead.pk,  # type: ignore[attr-defined]
        status=Activity.Status.DONE,
        type__kind__in=CONTACT_MOMENTS,
    ).exists()


def opportunity_last_activity() -> Expression:
    """The latest done activity of each opportunity that already happened (a Subquery on OuterRef("pk"))."""
    from activities.models import Activity

    latest = (
        Activity.objects.filter(
            opportunity_id=OuterRef("pk"), status=Activity.Status.DONE, starts_at__lte=Now()
        )
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    expression: Any = Subquery(latest, output_field=DateTimeField())
    return expression  # type: ignore[no-any-return]


def ready() -> None:
    from activities.home import my_activity_context
    from activities.panels import register_panels
    from activities.search import register_search
    from crm import home, navigation
    from crm.roles import Role
    from governance.permissions import role_reach
    from leads import prerequisites
    from opportunities import activity_registry

    navigation.register(
        navigation.NavigationEntry(
            "activities:activity_list", _("Activities"), permission="activities.view_activity", order=45
        )
    )
    register_panels()
    register_search()
    home.register(
        home.HomeWidget(
            template="activities/home_my_activity.html",
            context=my_activity_context,
            roles=frozenset(role for role in Role.values if role_reach(role, "activities", "view")),
            order=20,
        )
    )
    prerequisites.register("call_or_meeting", _("A call or meeting is logged"), lead_has_call_or_meeting)
    activity_registry.register("activities", opportunity_last_activity)
