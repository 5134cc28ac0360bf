"""Who hears of an activity's changes after they are committed: the agenda sends invitations and
cancellations, the CalDAV sync pushes the event. Registered from AppConfig.ready(); called by the
activity services once the transaction commits (never inside it: a listener's failure cannot undo the
write, and nothing is sent for a write that was rolled back)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from django.db import transaction

if TYPE_CHECKING:
    from activities.models import Activity
    from crm.models import User

Change = Literal["created", "updated", "deleted"]
# (activity — for "deleted", the instance as it was, pk still set —, the change, who made it)
Listener = Callable[["Activity", Change, "User | None"], None]

_listeners: dict[str, Listener] = {}


def register(name: str, listener: Listener) -> None:
    _listeners[name] = listener


def unregister(name: str) -> None:
    _listeners.pop(name, None)


def announce(activity: Activity, change: Change, actor: User | None) -> None:
    """Call every listener after the current transaction commits; each one on its own: one failing
    does not stop the others (it logs its error where its user can see it)."""
    import logging

    logger = logging.getLogger("activities.listeners")

    def run() -> None:
        for name, listener in list(_listeners.items()):
            try:
                listener(activity, change, actor)
            except Exception:
                logger.exception("activity listener %s failed on activity %s", name, activity.pk)

    transaction.on_commit(run)
