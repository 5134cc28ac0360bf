"""Restoring a version from the History tab of an account or a contact (tenant administrators)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import revert, selectors, services
from accounts.models import Account, Contact
from crm.http import TenantRequest


def _expected_version(request: TenantRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _restore(request: TenantRequest, restore: Callable[[], services.Outcome], url: str) -> HttpResponse:
    try:
        outcome = restore()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        for warning in outcome.warnings:
            messages.warning(request, warning)
        messages.success(request, _("The version was restored. The history keeps the state it replaced."))
    return HttpResponseRedirect(url)


@login_required
@require_POST
def account_revert(request: TenantRequest, pk: int, history_id: int) -> HttpResponse:
    try:
        account = selectors.account_get(membership=request.membership, pk=pk)
    except Account.DoesNotExist:
        raise Http404 from None
    if not revert.may_revert(request.membership):
        raise PermissionDenied
    return _restore(
        request,
        lambda: revert.account_revert(
            account=account,
            history_id=history_id,
            actor=request.user,
            role=request.membership.role,
            expected_version=_expected_version(request),
        ),
        reverse("accounts:account_detail", args=[account.pk]) + "?tab=history",
    )


@login_required
@require_POST
def contact_revert(request: TenantRequest, pk: int, history_id: int) -> HttpResponse:
    try:
        contact = selectors.contact_get(membership=request.membership, pk=pk)
    except Contact.DoesNotExist:
        raise Http404 from None
    if not revert.may_revert(request.membership):
        raise PermissionDenied
    return _restore(
        request,
        lambda: revert.contact_revert(
            contact=contact,
            history_id=history_id,
            actor=request.user,
            expected_version=_expected_version(request),
        ),
        reverse("accounts:contact_detail", args=[contact.pk]) + "#history",
    )
