"""The Sharing tab of an account: who has access through a manual share, and the forms to add and
remove one. Shown only to those who may share (governance.sharing.sharing_rights)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Account
from accounts.shares.forms import ShareForm
from accounts.shares.models import AccountTeamShare, AccountUserShare
from governance.sharing import (
    SharingRights,
    share_grant,
    share_history,
    share_list,
    share_revoke,
    sharing_rights,
)

if TYPE_CHECKING:
    from crm.http import TenantRequest

SHARE_MODELS = {"user": AccountUserShare, "team": AccountTeamShare}


def sharing_context(
    request: TenantRequest, account: Account, *, rights: SharingRights, form: ShareForm | None = None
) -> dict[str, Any]:
    return {
        "shares": share_list(account),
        "share_history": share_history(account),
        "share_form": form or ShareForm(levels=rights.levels),
        "may_give_write": rights.may_give_write,
    }


def _sharing_url(account: Account) -> str:
    return reverse("accounts:account_detail", args=[account.pk]) + "?tab=sharing"


def _account_to_share(request: TenantRequest, pk: int) -> tuple[Account, SharingRights]:
    """The account, if visible (else 404), and the member's right to share it (else 403)."""
    from accounts.views import _account_or_404, _require

    _require(request, "accounts.view_account")
    account = _account_or_404(request, pk)
    rights = sharing_rights(record=account, membership=request.membership)
    if not rights.may_share:
        raise PermissionDenied
    return account, rights


@login_required
@require_POST
def account_share_add(request: TenantRequest, pk: int) -> HttpResponse:
    from accounts.views import render_account_detail

    account, rights = _account_to_share(request, pk)
    form = ShareForm(request.POST, levels=rights.levels)
    if form.is_valid():
        try:
            share_grant(
                record=account,
                actor=request.user,
                membership=request.membership,
                level=form.cleaned_data["level"],
                note=form.cleaned_data["note"],
                **form.cleaned_data["grantee"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The account was shared."))
            return HttpResponseRedirect(_sharing_url(account))
    return render_account_detail(request, account, tab="sharing", share_form=form)


@login_required
@require_POST
def account_share_remove(request: TenantRequest, pk: int, kind: str, share_pk: int) -> HttpResponse:
    account, _rights = _account_to_share(request, pk)
    model = SHARE_MODELS.get(kind)
    share = (
        model.objects.filter(content_object=account, pk=share_pk).select_related("permission").first()
        if model
        else None
    )
    if share is None:
        raise Http404
    try:
        share.content_object = account  # already checked: no second fetch
        share_revoke(share=share, actor=request.user, membership=request.membership)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The share was removed."))
    return HttpResponseRedirect(_sharing_url(account))
