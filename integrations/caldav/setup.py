"""Called once from IntegrationsConfig.ready(): the CalDAV part's registrations."""

from __future__ import annotations


def ready() -> None:
    from django.utils.translation import pgettext_lazy

    from activities import listeners
    from crm import navigation
    from integrations import tasks_caldav  # noqa: F401 — registers the Celery tasks
    from integrations.caldav.services import on_activity_change

    listeners.register("caldav.push", on_activity_change)
    navigation.register(
        navigation.NavigationEntry(
            "caldav:settings", pgettext_lazy("caldav", "Calendar sync"), order=90, menu="user"
        )
    )
