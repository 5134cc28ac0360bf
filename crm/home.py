"""The home page registry: each app adds the widgets its roles need on their home page, from
AppConfig.ready(). The kernel renders the ones meant for the user's role, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from crm.models import Membership


@dataclass(frozen=True)
class HomeWidget:
    template: str
    context: Callable[[HttpRequest, Membership], dict[str, Any]]
    roles: frozenset[str] = field(default_factory=frozenset)  # empty: every role
    order: int = 100


_registry: list[HomeWidget] = []


def register(widget: HomeWidget) -> None:
    if widget not in _registry:
        _registry.append(widget)
        _registry.sort(key=lambda item: item.order)


def widgets_for(request: HttpRequest, membership: Membership) -> list[dict[str, Any]]:
    return [
        {"template": widget.template, **widget.context(request, membership)}
        for widget in _registry
        if not widget.roles or membership.role in widget.roles
    ]
