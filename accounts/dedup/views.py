"""The duplicates queue page: open pairs, highest score first, each to merge or to dismiss."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.dedup import selectors, services
from accounts.dedup.models import DuplicateCandidate
from crm.http import TenantRequest


def _require_change(request: TenantRequest) -> None:
    if not request.user.has_perm("accounts.change_account"):
        raise PermissionDenied


@login_required
@require_GET
def candidate_queue(request: TenantRequest) -> HttpResponse:
    _require_change(request)
    queue = selectors.candidate_queue(membership=request.membership)
    context = {
        "candidates": list(queue[: selectors.QUEUE_SIZE]),
        "total": queue.count(),
        "queue_size": selectors.QUEUE_SIZE,
        "may_merge": request.user.has_perm("accounts.delete_account"),
        "may_merge_contacts": request.user.has_perm("accounts.delete_contact"),
    }
    return render(request, "dedup/queue.html", context)


@login_required
@require_POST
def candidate_dismiss(request: TenantRequest, pk: int) -> HttpResponse:
    _require_change(request)
    try:
        candidate = selectors.candidate_visible_list(membership=request.membership).get(pk=pk)
    except DuplicateCandidate.DoesNotExist:
        raise Http404 from None  # unknown, another tenant's, or one of its records is hidden from this member
    # "Not a duplicate" is a decision about both records: this member must be allowed to change each.
    permission = f"accounts.change_{candidate.kind}"
    if not all(
        record is not None and request.user.has_perm(permission, record)
        for record in (candidate.first, candidate.second)
    ):
        raise PermissionDenied
    try:
        services.candidate_dismiss(candidate=candidate, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The pair was marked as not a duplicate."))
    return HttpResponseRedirect(reverse("dedup:queue"))
