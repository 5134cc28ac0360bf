"""Panels that other apps add to a record's page (the account's opportunities, later its tickets and
contracts): registered from AppConfig.ready(), rendered in order by the record's page, so the app
that owns the record imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpRequest


@dataclass(frozen=True)
class RecordPanel:
    model_label: str  # "accounts.account"
    template: str
    # (request, record) -> the panel's context, or None when the member may not see the panel.
    context: Callable[[HttpRequest, models.Model], dict[str, Any] | None]
    order: int = 100


_registry: list[RecordPanel] = []


def register(panel: RecordPanel) -> None:
    if panel not in _registry:
        _registry.append(panel)
        _registry.sort(key=lambda item: item.order)


def panels_for(request: HttpRequest, record: models.Model) -> list[dict[str, Any]]:
    label = record._meta.label_lower
    shown = []
    for panel in _registry:
        if panel.model_label != label:
            continue
        context = panel.context(request, record)
        if context is not None:
            shown.append({"template": panel.template, **context})
    return shown
