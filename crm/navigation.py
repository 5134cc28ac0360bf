"""The navigation registry: domain apps add their menu entries in AppConfig.ready(), the kernel shows
the ones the user's role may view. The kernel never imports a domain app."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavigationEntry:
    url_name: str
    label: str | Promise
    permission: str | None = None  # e.g. "accounts.view_account"
    order: int = 100
    # "main": the menu of the top bar; "user": the user's own menu (their settings: notifications,
    # agenda sharing, calendar sync), so that the main menu keeps to the work itself.
    menu: str = "main"


_registry: list[NavigationEntry] = [NavigationEntry("crm:home", _("Home"), order=0)]


def register(entry: NavigationEntry) -> None:
    if entry not in _registry:
        _registry.append(entry)
        _registry.sort(key=lambda item: item.order)


def navigation_items(request: HttpRequest, menu: str = "main") -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for entry in _registry:
        if entry.menu != menu:
            continue
        if entry.permission and not request.user.has_perm(entry.permission):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": entry.label, "active": request.path == url})
    return items
