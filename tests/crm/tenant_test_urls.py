"""Tenant pages that exist only for tests: a write followed by a crash, and a streamed export."""

from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

from crm.tenant_urls import urlpatterns as tenant_urlpatterns
from governance.models import Team


def write_then_crash(request: HttpRequest) -> HttpResponse:
    Team.objects.create(name="Half-written")
    raise RuntimeError("deliberate failure after a write")


def streamed_team_names(request: HttpRequest) -> StreamingHttpResponse:
    def rows() -> Iterator[str]:
        for name in Team.objects.order_by("name").values_list("name", flat=True):
            yield f"{name}\n"

    return StreamingHttpResponse(rows(), content_type="text/plain")


urlpatterns = [
    path("test/crash/", write_then_crash),
    path("test/stream/", streamed_team_names),
    *tenant_urlpatterns,
]
