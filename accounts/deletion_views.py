"""Confirmation pages that delete an account or a contact (accounts.deletion)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import deletion
from accounts.views import _account_or_404, _contact_or_404, _require
from crm.http import TenantRequest


def _version(request: TenantRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: TenantRequest, pk: int) -> HttpResponse:
    account = _account_or_404(request, pk)
    _require(request, "accounts.delete_account", account)
    if request.method == "POST":
        try:
            deletion.account_delete(account=account, actor=request.user, expected_version=_version(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(account)s was deleted.") % {"account": account})
            return HttpResponseRedirect(reverse("accounts:account_list"))
    context = {
        "record": account,
        "kind": "account",
        "blockers": deletion.account_blockers(account),
        "cancel_url": reverse("accounts:account_detail", args=[account.pk]),
    }
    return render(request, "accounts/confirm_delete.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_delete(request: TenantRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    _require(request, "accounts.delete_contact", contact)
    if request.method == "POST":
        try:
            deletion.contact_delete(contact=contact, actor=request.user, expected_version=_version(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(contact)s was deleted.") % {"contact": contact})
            return HttpResponseRedirect(reverse("accounts:account_detail", args=[contact.account_id]))
    context = {
        "record": contact,
        "kind": "contact",
        "blockers": {},
        "consents": contact.consents.count(),
        "cancel_url": reverse("accounts:contact_detail", args=[contact.pk]),
    }
    return render(request, "accounts/confirm_delete.html", context)
