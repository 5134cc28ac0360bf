"""The request of a tenant page, as TenantMiddleware leaves it (for type checking)."""

from __future__ import annotations

from django.http import HttpRequest

from crm.models import Membership, Tenant, User


class TenantRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    tenant: Tenant
    membership: Membership
