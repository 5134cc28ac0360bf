"""Exports of the account and contact lists: the same filter sets, selectors and sort as the list pages,
but the whole filtered list instead of one page. Columns and formats live in `accounts.exports`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from accounts import exports
from accounts.filters import AccountFilter, ContactFilter, SortOrder
from accounts.views import ACCOUNT_SORTS
from crm.http import TenantRequest

EXPORT_FORMATS = ("csv", "xlsx")


def _check(request: TenantRequest, file_format: str, permission: str) -> None:
    if file_format not in EXPORT_FORMATS:
        raise Http404
    if not request.user.has_perm(permission):
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def account_export(request: TenantRequest, file_format: str) -> StreamingHttpResponse | FileResponse:
    _check(request, file_format, "accounts.view_account")
    filterset = AccountFilter(request.GET, membership=request.membership)
    field, descending = ACCOUNT_SORTS.get(filterset.sort, ACCOUNT_SORTS[SortOrder.NAME])
    queryset = filterset.qs.order_by(f"-{field}" if descending else field, "-id" if descending else "id")
    return exports.account_export(
        queryset=queryset,
        role=request.membership.role,
        context=exports.export_context(tenant=request.tenant, user=request.user),
        file_format=file_format,
    )


@login_required
@require_http_methods(["GET"])
def contact_export(request: TenantRequest, file_format: str) -> StreamingHttpResponse | FileResponse:
    _check(request, file_format, "accounts.view_contact")
    filterset = ContactFilter(request.GET, membership=request.membership)
    return exports.contact_export(
        queryset=filterset.qs.order_by("last_name", "first_name", "id"),
        role=request.membership.role,
        context=exports.export_context(tenant=request.tenant, user=request.user),
        file_format=file_format,
    )
