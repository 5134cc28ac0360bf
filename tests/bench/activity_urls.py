"""A tenant URLconf for the activity scenarios' tests: the real one, plus the timeline fragment and
"my tasks" under the names and paths the activities pages use, when the real one lacks them (a branch
where those pages are not merged). The views answer an empty page: only the URLs matter here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

from crm.tenant_urls import handler404 as handler404
from crm.tenant_urls import urlpatterns as tenant_urlpatterns


def _page(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(b"")


def _missing(name: str, *args: object) -> bool:
    try:
        reverse(name, urlconf="crm.tenant_urls", args=args)
    except NoReverseMatch:
        return True
    return False


urlpatterns = list(tenant_urlpatterns)
if _missing("activities:timeline", "account", 1) and _missing("activities:timeline", 1):
    urlpatterns.append(
        path(
            "activities/",
            include(([path("timeline/<str:kind>/<int:pk>/", _page, name="timeline")], "activities")),
        )
    )
if _missing("tasks:my_tasks"):
    urlpatterns.append(path("tasks/", include(([path("", _page, name="my_tasks")], "tasks"))))
