"""A URLconf with routes the attack registry does not know, to prove the suite fails on them."""

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path


def gadget_detail(request: HttpRequest, gadget_id: int) -> HttpResponse:
    return HttpResponse(str(gadget_id))


def legacy(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


urlpatterns = [
    path("gadgets/<int:gadget_id>/", gadget_detail, name="gadget_detail"),
    re_path(r"^legacy/.*$", legacy),
]
