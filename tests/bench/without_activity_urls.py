"""A tenant URLconf without the timeline and "my tasks" pages (a test of the scenarios' skip)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from crm.tenant_urls import handler404 as handler404
from crm.tenant_urls import urlpatterns as tenant_urlpatterns


def _keeps(pattern: URLPattern | URLResolver) -> bool:
    return getattr(pattern, "namespace", None) not in {"activities", "tasks"}


urlpatterns = [pattern for pattern in tenant_urlpatterns if _keeps(pattern)]
