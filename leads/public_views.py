"""Web-to-lead: the public endpoint of a tenant's web forms, /forms/<tenant slug>/<form key>/.

Outside login and CSRF (a company's own website posts to it), so it trusts nothing: the tenant is
found by the slug in the address (the tenant table is the kernel's, readable without a scope), then
the form by its key inside that tenant's scope; an unknown or inactive one is a 404. Each address
and each form is rate-limited in the cache; a filled honeypot is dropped silently (nothing stored,
the same thank-you answer as a person gets). No session or cookie is read or set.

Browsers get a redirect to the form's thank-you page; scripts (Accept: application/json, or
X-Requested-With) get JSON: 201, 400 with the errors per field, 429.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language_from_request
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.identifiers import country_choices
from crm.middleware import client_address
from crm.models import Tenant
from crm.tenancy import tenant_scope
from leads.models import WebForm
from leads.services.web_to_lead import HONEYPOT_FIELD, consent_wording, web_form_submit

RATE_WINDOW_SECONDS = 60


def _limits() -> tuple[int, int]:
    """Submissions per minute allowed from one address, and to one form."""
    return (
        getattr(settings, "LEADS_WEB_FORM_RATE_PER_IP", 5),
        getattr(settings, "LEADS_WEB_FORM_RATE_PER_FORM", 120),
    )


def _client_ip(request: HttpRequest) -> str:
    # Behind the deployment's trusted proxies, REMOTE_ADDR is the proxy's: every visitor would share
    # one rate limit. The kernel reads the forwarded address as the login lockout and the API do.
    return client_address(request) or "unknown"


def _over_limit(key: str, limit: int) -> bool:
    """Count one hit in the current window; True past `limit` (atomic in Redis: add then incr)."""
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > limit


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or bool(
        request.headers.get("X-Requested-With")
    )


def _thank_you(request: HttpRequest, form: WebForm) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {"status": "received", "message": _("Thank you, we will get back to you soon.")}, status=201
        )
    if form.thank_you_url:
        return HttpResponseRedirect(form.thank_you_url)
    return render(request, "leads/public_thanks.html", {"form": form})


def _language(request: HttpRequest, form: WebForm) -> str:
    return form.language or get_language_from_request(request)


def _form_context(
    form: WebForm, tenant: Tenant, errors: dict[str, list[str]], data: dict[str, str]
) -> dict[str, object]:
    return {
        "web_form": form,
        "tenant": tenant,
        "errors": errors,
        "general_errors": errors.get("__all__", []),
        "data": data,
        "fields": form.fields,
        "required": set(form.required_fields),
        "consents": [(purpose, consent_wording(purpose)) for purpose in form.consent_purposes],
        "honeypot": HONEYPOT_FIELD,
        "countries": country_choices(),
    }


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def web_form_endpoint(request: HttpRequest, tenant_slug: str, key: str) -> HttpResponse:
    tenant = Tenant.objects.filter(slug=tenant_slug, is_active=True).first()
    if tenant is None:
        raise Http404
    with tenant_scope(tenant):
        form = WebForm.objects.select_related("source").filter(key=key, is_active=True).first()
        if form is None:
            raise Http404
        with translation.override(_language(request, form)):
            if request.method != "POST":
                return render(request, "leads/public_form.html", _form_context(form, tenant, {}, {}))
            per_ip, per_form = _limits()
            ip = _client_ip(request)
            if _over_limit(f"leads:webform:ip:{ip}", per_ip) or _over_limit(
                f"leads:webform:form:{tenant.pk}:{form.pk}", per_form
            ):
                message = _("Too many submissions. Please try again in a minute.")
                if _wants_json(request):
                    return JsonResponse({"errors": {"__all__": [message]}}, status=429)
                return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
            if request.POST.get(HONEYPOT_FIELD):
                return _thank_you(request, form)  # a bot: nothing stored, nothing told
            data: dict[str, str] = {name: str(value) for name, value in request.POST.items()}
            try:
                web_form_submit(tenant=tenant, form=form, data=data, query=request.GET, ip_address=ip)
            except ValidationError as error:
                errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
                if _wants_json(request):
                    return JsonResponse({"errors": errors}, status=400)
                return render(
                    request, "leads/public_form.html", _form_context(form, tenant, errors, data), status=400
                )
            return _thank_you(request, form)
