"""The two request entries into a tenant scope (HTML pages under /t/<slug>/ and the API's keys), and
the sliding idle timeout of sessions."""

from __future__ import annotations

import re
import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from crm.models import ApiKey, Membership, Tenant
from crm.tenancy import identity_scope, tenant_scope

TENANT_PATH = re.compile(r"^/t/(?P<slug>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)/")
API_PATH_PREFIX = "/api/v1/"
API_PUBLIC_PATHS = ("/api/v1/schema/", "/api/v1/docs/")
LAST_USED_PRECISION = timedelta(minutes=1)

GetResponse = Callable[[HttpRequest], HttpResponse]
# A session's expiry moves forward at most this often (seconds); see SessionIdleRefreshMiddleware.
SESSION_REFRESH_EVERY = 60
_SESSION_SEEN_KEY = "_crm_seen"


def mark_session_seen(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """On login (user_logged_in): the new session counts as just renewed."""
    session = getattr(request, "session", None)
    if session is not None:
        session[_SESSION_SEEN_KEY] = int(time.time())


class SessionIdleRefreshMiddleware:
    """The idle timeout slides with activity, without writing the session on every request.

    SESSION_SAVE_EVERY_REQUEST would UPDATE the session row (and wait for its commit) on every page,
    image-less API call or htmx fragment: the largest part of a trivial page's time in the benchmark.
    Instead the session is marked changed when it was last refreshed more than SESSION_REFRESH_EVERY
    seconds ago, which saves it with a new expiry: a member is logged out after between the timeout
    and the timeout plus a minute of inactivity. Sessions of anonymous visitors are never created."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(_SESSION_SEEN_KEY, 0)) >= SESSION_REFRESH_EVERY:
                session[_SESSION_SEEN_KEY] = now  # modified: SessionMiddleware saves it, expiry renewed
        return response


@contextmanager
def _rollback_on_server_error(response_holder: list[HttpResponse]) -> Iterator[None]:
    yield
    # Django turns view exceptions into 500 responses before they reach us: undo the request's writes.
    if response_holder and response_holder[0].status_code >= 500:
        transaction.set_rollback(True)


def _language_chosen_by_browser(request: HttpRequest) -> bool:
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        return True
    supported = {code for code, _name in settings.LANGUAGES}
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    return any(lang.split("-")[0] in supported for lang, _q in parse_accept_lang_header(header))


def activate_tenant_locale(request: HttpRequest, tenant: Tenant) -> None:
    timezone.activate(zoneinfo.ZoneInfo(tenant.time_zone))
    user_language = getattr(request.user, "language", "")
    if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) and user_language:
        translation.activate(user_language)
    elif not _language_chosen_by_browser(request):
        translation.activate(tenant.language)
    request.LANGUAGE_CODE = translation.get_language()


class TenantMiddleware:
    """Pages under /t/<slug>/ run inside that tenant's scope, for members only; anyone else gets 404."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        match = TENANT_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        with identity_scope(request.user):
            membership = Membership.objects.for_user(request.user).filter(tenant__slug=match["slug"]).first()
        if membership is None:
            # Unknown tenant, foreign tenant or disabled membership: the same answer, no hint.
            raise Http404
        tenant = membership.tenant
        request.tenant = tenant  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        activate_tenant_locale(request, tenant)
        # Tenant pages live in their own URLconf, mounted at /t/<slug>/ through the script prefix, so
        # that reverse() and the admin build tenant addresses without passing the slug around.
        prefix = match.group(0)
        previous_prefix = get_script_prefix()
        request.urlconf = settings.CRM_TENANT_URLCONF  # type: ignore[attr-defined]
        request.path_info = request.path_info[len(prefix) - 1 :]
        set_script_prefix(previous_prefix.rstrip("/") + prefix)
        holder: list[HttpResponse] = []
        try:
            with tenant_scope(tenant, membership=membership), _rollback_on_server_error(holder):
                holder.append(self.get_response(request))
        finally:
            set_script_prefix(previous_prefix)
            timezone.deactivate()
        return _keep_streams_in_scope(holder[0], tenant, membership)


def parse_api_key(header: str) -> tuple[int, str, str] | None:
    """`Bearer crm.<tenant id>.<key id>.<secret>` -> (tenant id, key id, secret)."""
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != ApiKey.PREFIX or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[3]


class ApiTenantMiddleware:
    """API requests with a valid key run inside the key's tenant scope. DRF answers 401 otherwise."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.api_key = None  # type: ignore[attr-defined]
        path = request.path_info
        if not path.startswith(API_PATH_PREFIX) or path.startswith(API_PUBLIC_PATHS):
            return self.get_response(request)
        if request.headers.get("Authorization") and _too_many_bad_keys(request):
            message = _("Too many invalid API keys from this address. Try again in a minute.")
            return JsonResponse(
                {"error": {"code": "throttled", "message": message, "fields": {}}}, status=429
            )
        parsed = parse_api_key(request.headers.get("Authorization", ""))
        tenant = None
        if parsed is not None:
            tenant = Tenant.objects.filter(pk=parsed[0], is_active=True).first()
        if tenant is None or parsed is None:
            if request.headers.get("Authorization"):
                _count_bad_key(request)
            return self.get_response(request)
        holder: list[HttpResponse] = []
        with tenant_scope(tenant), _rollback_on_server_error(holder):
            key = ApiKey.objects.filter(public_id=parsed[1], revoked_at__isnull=True).first()
            if key is not None and _secret_matches(key, parsed[2]):
                request.api_key = key  # type: ignore[attr-defined]
                request.tenant = tenant  # type: ignore[attr-defined]
                _touch_last_used(key)
            else:
                _count_bad_key(request)
            holder.append(self.get_response(request))
        return _keep_streams_in_scope(holder[0], tenant, None)


def _secret_matches(key: ApiKey, secret: str) -> bool:
    import hmac

    return hmac.compare_digest(key.secret_hash, ApiKey.hash_secret(secret))


def _touch_last_used(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address NUM_PROXIES trusted proxies put in X-Forwarded-For (as DRF reads it)."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", ""))


def _bad_key_cache_key(request: HttpRequest) -> str:
    return f"api:bad-key:{client_address(request)}"


def _too_many_bad_keys(request: HttpRequest) -> bool:
    return int(cache.get(_bad_key_cache_key(request), 0)) >= settings.API_BAD_KEY_LIMIT_PER_MINUTE


def _count_bad_key(request: HttpRequest) -> None:
    """Invalid keys never reach DRF's throttles (authentication fails first): count them per address."""
    key = _bad_key_cache_key(request)
    if not cache.add(key, 1, timeout=60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=60)


def _keep_streams_in_scope(
    response: HttpResponse, tenant: Tenant, membership: Membership | None
) -> HttpResponse:
    """A streaming response (an export) is read after the view returns: re-enter the scope for it."""
    if not getattr(response, "streaming", False):
        return response
    streaming = cast(StreamingHttpResponse, response)
    chunks = streaming.streaming_content

    def scoped() -> Iterator[Any]:
        with tenant_scope(tenant, membership=membership):
            yield from chunks  # type: ignore[misc]

    streaming.streaming_content = scoped()
    return response
