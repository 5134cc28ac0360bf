"""Activities in the global search (governance.search): found by subject; visibility is
`Activity.visible_to(membership)` (a private activity is found only by its owner and those above)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from crm.models import Membership
from governance import search

ACTIVITY = "activities.activity"


def activity_document(activity: Activity) -> search.Document:
    when = timezone.localtime(activity.starts_at).strftime("%d/%m/%Y %H:%M")
    subtitle = " · ".join(str(part) for part in (activity.type.label, when) if part)
    return search.Document(title=activity.subject, subtitle=subtitle, text=activity.subject)


def visible_activities(membership: Membership, ids: list[int]) -> Iterable[Activity]:
    return Activity.objects.visible_to(membership).filter(pk__in=ids)


def _all() -> QuerySet[Activity]:
    return Activity.objects.select_related("type")


def register_search() -> None:
    search.register(
        search.SearchType(
            object_type=ACTIVITY,
            model=Activity,
            indexer=activity_document,
            visible=visible_activities,
            url=lambda activity: reverse("activities:activity_detail", args=[activity.pk]),
            label=_("Activities"),
            permission="activities.view_activity",
            order=60,
            rebuild_queryset=_all,
        )
    )
