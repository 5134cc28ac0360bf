from typing import Any

from django.http import HttpRequest

from crm.navigation import navigation_items


class _UnreadCount:
    """The member's unread notifications, counted on first use in the page (one query), never when
    the page does not show the badge (anonymous pages, pages outside a tenant)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.value: int | None = None

    def __call__(self) -> int:
        if self.value is None:
            from crm.notifications import unread_count

            self.value = unread_count(self.user)
        return self.value


def tenancy(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    return {
        "current_tenant": tenant if membership is not None else None,
        "current_membership": membership,
        "navigation": navigation_items(request) if membership is not None else [],
        "personal_navigation": navigation_items(request, "user") if membership is not None else [],
        "unread_notifications": _UnreadCount(request.user) if membership is not None else 0,
        # The tenant picker lives outside every tenant's URLs; `?choose` shows it even to one-tenant users.
        "switch_tenant_url": "/?choose=1",
    }
