"""Kernel events: the kinds of things that happen to someone (a lead assigned to them, a close date
passed, a task reminder) and who listens to them.

Lower floors declare and emit (`register_event`, `emit`); higher floors subscribe from their
AppConfig.ready() (`subscribe`): the kernel and the emitters import none of the subscribers. Each kind
has a default channel (app, e-mail, both, none) that members may change on their preferences page
(crm.notifications honours it).

Subscribers run after the emitting transaction commits (never for a rolled-back change), each on its
own transaction in the emitter's tenant: one failing is logged, rolls back its own writes only, and
stops neither the others nor the emitter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.functional import Promise

logger = logging.getLogger("crm.events")

# The channels of NotificationPreference.Channel, repeated here as plain strings (no model import).
CHANNELS = ("app", "email", "both", "none")

Handler = Callable[..., None]


@dataclass(frozen=True)
class EventKind:
    name: str  # "lead.assigned"
    # What members read on their preferences page; None for an event that only lets other apps react
    # (nobody is notified of it, it has no preference).
    label: str | Promise | None
    default_channel: str = "app"
    order: int = 100


_kinds: dict[str, EventKind] = {}
_subscribers: dict[str, list[Handler]] = {}


def register_event(
    name: str, label: str | Promise | None, default_channel: str = "app", order: int = 100
) -> EventKind:
    """Declare a kind of event (idempotent: a second call with the same name replaces the first)."""
    if default_channel not in CHANNELS:
        raise ValueError(f"unknown channel {default_channel!r} for event {name!r}")
    kind = EventKind(name=name, label=label, default_channel=default_channel, order=order)
    _kinds[name] = kind
    return kind


def event_kind(name: str) -> EventKind | None:
    return _kinds.get(name)


def event_kinds() -> list[EventKind]:
    """Every declared kind members may be notified of, in order (the preferences page lists them)."""
    return sorted(
        (kind for kind in _kinds.values() if kind.label is not None), key=lambda kind: (kind.order, kind.name)
    )


def subscribe(name: str, handler: Handler) -> None:
    """Call `handler(**payload)` after each committed `emit(name, **payload)` (once per handler)."""
    handlers = _subscribers.setdefault(name, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    handlers = _subscribers.get(name, [])
    if handler in handlers:
        handlers.remove(handler)


def subscribers(name: str) -> list[Handler]:
    return list(_subscribers.get(name, []))


def _run(name: str, payload: dict[str, Any], tenant: Any) -> None:
    from crm.tenancy import tenant_scope

    for handler in subscribers(name):
        try:
            # The emitter's transaction (and its tenant setting) is over: each subscriber gets its own,
            # in the same tenant, so that one failing rolls back only its own writes.
            with tenant_scope(tenant):
                handler(**payload)
        except Exception:
            logger.exception("subscriber %r of event %s failed", handler, name)


def emit(name: str, **payload: Any) -> None:
    """Announce an event: its subscribers run once the current transaction commits (at once outside
    a transaction). Payloads carry ids and plain values, not instances that may be stale by then."""
    from crm.tenancy import current_tenant

    if name not in _kinds:
        raise LookupError(f"event {name!r} is not registered (crm.events.register_event)")
    tenant = current_tenant()
    transaction.on_commit(lambda: _run(name, payload, tenant))
