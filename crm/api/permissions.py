from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from crm.models import ApiKey


class HasTenantApiKey(BasePermission):
    """A valid, unrevoked key of the tenant whose scope the request runs in."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiKey)
