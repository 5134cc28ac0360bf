"""What the outbound e-mail part plugs in at start-up (called from ActivitiesConfig.ready())."""

from __future__ import annotations


def ready() -> None:
    from activities.email import admin

    admin.register()
