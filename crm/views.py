"""Kernel pages: login and its lockout, landing and tenant picker, tenant home, health, error pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from crm.forms import EmailAuthenticationForm
from crm.home import widgets_for
from crm.models import Membership, User
from crm.tenancy import identity_scope


class AuthenticatedRequest(HttpRequest):
    user: User  # type: ignore[assignment]


@login_required
@never_cache
def landing(request: AuthenticatedRequest) -> HttpResponse:
    """After login: straight into the only tenant, or a picker when there are several."""
    with identity_scope(request.user):
        memberships = list(Membership.objects.for_user(request.user))
    if len(memberships) == 1 and "choose" not in request.GET:
        return HttpResponseRedirect(memberships[0].tenant.get_absolute_url())
    return render(request, "crm/picker.html", {"memberships": memberships}, status=200)


@login_required
def tenant_home(request: AuthenticatedRequest) -> HttpResponse:
    """A home page per role: the widgets registered for the role (crm.home), and the user's companies."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    widgets = widgets_for(request, membership)
    with identity_scope(request.user):
        memberships = list(Membership.objects.for_user(request.user))
    return render(request, "crm/home.html", {"memberships": memberships, "widgets": widgets})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status, without secrets or versions."""
    status: dict[str, str] = {}
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception:
        status["database"] = "error"
    from crm.celery import app

    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        status["broker"] = "ok"
    except Exception:
        status["broker"] = "error"
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse({"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", status=403)


def lockout(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown after too many failed logins. Says nothing about whether the email exists."""
    form = EmailAuthenticationForm(request)
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": True, "cooloff_minutes": minutes},
        status=429,
    )


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The page "not found"; under /api/, the API's JSON error instead (an address no route matches,
    such as /api/v1/accounts/-1/, is answered in the format the API documents)."""
    if request.path_info.startswith("/api/"):
        from rest_framework.exceptions import NotFound

        body = {"code": NotFound.default_code, "message": str(NotFound.default_detail), "fields": {}}
        return JsonResponse({"error": body}, status=404)
    return render(request, "404.html", status=404)


def home_redirect(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("crm:home"))
