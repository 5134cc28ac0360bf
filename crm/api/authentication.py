"""API keys: `Authorization: Bearer crm.<tenant id>.<key id>.<secret>`.

ApiTenantMiddleware verifies the key inside its tenant's scope; this class turns its verdict into
DRF's: an authenticated principal, or 401 with the JSON error format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from crm.models import ApiKey


@dataclass
class ApiKeyPrincipal:
    """The caller behind an API key: it acts with the key's role inside the key's tenant."""

    key: ApiKey
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @property
    def pk(self) -> None:
        return None

    @property
    def role(self) -> str:
        return self.key.role


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        key = getattr(request._request, "api_key", None)
        if key is not None:
            return ApiKeyPrincipal(key=key), key
        if request.headers.get("Authorization"):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."), code="invalid_api_key")
        return None

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def principal_role(request: Any) -> str | None:
    auth = getattr(request, "auth", None)
    return auth.role if isinstance(auth, ApiKey) else None


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents the API key in the OpenAPI schema (registered by being imported)."""

    target_class = "crm.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "crm.<tenant id>.<key id>.<secret>"}
