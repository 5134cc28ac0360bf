from typing import Any

from django.http import HttpRequest

from crm.navigation import navigation_items


def tenancy(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    return {
        "current_tenant": tenant if membership is not None else None,
        "current_membership": membership,
        "navigation": navigation_items(request) if membership is not None else [],
        # The tenant picker lives outside every tenant's URLs; `?choose` shows it even to one-tenant users.
        "switch_tenant_url": "/?choose=1",
    }
