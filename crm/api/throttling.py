from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from crm.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    """A request budget per API key, kept in the shared cache so every web node counts together."""

    scope = "api_key"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.public_id}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
