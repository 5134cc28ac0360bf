from django.http import HttpRequest, HttpResponse
from django.urls import path


def boom(request: HttpRequest) -> HttpResponse:
    raise ZeroDivisionError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", boom)]
