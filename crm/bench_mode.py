"""Benchmark-only instrumentation, mounted by crm/settings/bench.py when CRM_BENCHMARK=1.

- `QueryCountMiddleware` adds `X-Queries: <n>` to every response: the SQL statements the request ran.
- `floor` (/t/<slug>/__bench__/floor/) is the framework floor: it goes through the whole middleware stack,
  requires a login and a tenant membership like every page, and renders a few bytes without reading a
  tenant table. Its latency is what any page costs before its own work.

This module is also the tenant URLconf in benchmark mode: the normal one plus the floor page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from crm.tenant_urls import handler404 as handler404
from crm.tenant_urls import urlpatterns as tenant_urlpatterns

QUERIES_HEADER = "X-Queries"
FLOOR_PATH = "__bench__/floor/"


class QueryCountMiddleware:
    """Counts the statements run on every database connection while the request is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not getattr(settings, "CRM_BENCHMARK", False):
            raise ImproperlyConfigured("QueryCountMiddleware is for benchmark mode only (CRM_BENCHMARK=1).")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counted(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        wrappers = [connections[alias].execute_wrapper(counted) for alias in settings.DATABASES]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        response[QUERIES_HEADER] = str(count)
        return response


@login_required
@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    # TenantMiddleware has already checked the membership and opened the tenant scope.
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [*tenant_urlpatterns, path(FLOOR_PATH, floor, name="bench_floor")]
