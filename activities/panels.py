"""The timeline panel on account, contact, lead and opportunity pages (crm.panels)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, QueryDict

from activities.views.timeline import PANEL_SIZE, may_read, timeline_context

MODELS = {
    "account": "accounts.account",
    "contact": "accounts.contact",
    "lead": "leads.lead",
    "opportunity": "opportunities.opportunity",
}


def timeline_panel(kind: str) -> Callable[[HttpRequest, Model], dict[str, Any] | None]:
    def context(request: HttpRequest, record: Model) -> dict[str, Any] | None:
        if not may_read(request, kind):
            return None
        # The record's own page has its own query string (tabs, filters): the panel starts afresh.
        return timeline_context(request, kind, record, query=QueryDict(), size=PANEL_SIZE, in_panel=True)

    return context


CONTEXTS = {kind: timeline_panel(kind) for kind in MODELS}


def register_panels() -> None:
    from crm import panels

    for kind, label in MODELS.items():
        panels.register(panels.RecordPanel(label, "activities/timeline_panel.html", CONTEXTS[kind], order=20))
