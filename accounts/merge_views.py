"""The merge wizard: two accounts side by side, a choice per differing field, one confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors
from accounts.merge import account_merge, merge_preview
from accounts.models import Account
from crm.http import TenantRequest
from governance.field_policies import hidden_fields


def _visible(request: TenantRequest, pk: int) -> Account:
    try:
        return selectors.account_get(membership=request.membership, pk=pk)
    except Account.DoesNotExist:
        raise Http404 from None


def _versions_shown(request: TenantRequest) -> tuple[int, int]:
    """The versions of (survivor, merged) the confirmed page showed; (0, 0), never current, when
    the form lacks them, so the merge is refused as stale rather than done blind."""
    try:
        return int(request.POST["survivor_version"]), int(request.POST["merged_version"])
    except (KeyError, ValueError):
        return 0, 0


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_merge_view(request: TenantRequest, pk: int) -> HttpResponse:
    survivor = _visible(request, pk)
    try:
        merged = _visible(request, int(request.GET.get("with") or request.POST.get("with") or 0))
    except ValueError:
        raise Http404 from None
    # Merging changes the survivor and removes the other account: both rights are needed.
    if not (
        request.user.has_perm("accounts.change_account", survivor)
        and request.user.has_perm("accounts.delete_account", merged)
    ):
        raise PermissionDenied
    hidden = hidden_fields(request.membership.role, Account)
    rows = [row for row in merge_preview(survivor, merged) if row["name"] not in hidden]
    if request.method == "POST":
        choices = {row["name"]: request.POST.get(f"field_{row['name']}", "survivor") for row in rows}
        try:
            report = account_merge(
                survivor=survivor,
                merged=merged,
                choices=choices,
                actor=request.user,
                expected_versions=_versions_shown(request),
            )
        except Account.DoesNotExist:
            raise Http404 from None  # merged or deleted by someone else meanwhile
        except ValidationError as error:
            # Nothing was written; the page shows both accounts as they are now, with their versions.
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(survivor)s: %(contacts)s contact(s) moved.")
                % {"merged": merged, "survivor": report.survivor, "contacts": report.moved["contacts"]},
            )
            return HttpResponseRedirect(reverse("accounts:account_detail", args=[report.survivor.pk]))
    context = {"survivor": survivor, "merged": merged, "rows": rows}
    return render(request, "accounts/account_merge.html", context)
