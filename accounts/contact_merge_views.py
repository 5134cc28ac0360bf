"""The contact merge wizard: two people side by side, a choice per differing field, one confirmation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors
from accounts.contact_merge import contact_merge, contact_merge_preview
from accounts.models import Contact
from crm.http import TenantRequest
from governance.field_policies import hidden_fields


def _visible(request: TenantRequest, raw: Any) -> Contact:
    try:
        return selectors.contact_get(membership=request.membership, pk=int(raw or 0))
    except (Contact.DoesNotExist, ValueError):
        raise Http404 from None


def _version(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def contact_merge_view(request: TenantRequest, pk: int) -> HttpResponse:
    survivor = _visible(request, pk)
    merged = _visible(request, request.GET.get("with") or request.POST.get("with"))
    # Merging changes the survivor and removes the other contact: both rights are needed.
    if not (
        request.user.has_perm("accounts.change_contact", survivor)
        and request.user.has_perm("accounts.delete_contact", merged)
    ):
        raise PermissionDenied
    hidden = hidden_fields(request.membership.role, Contact)
    rows = [row for row in contact_merge_preview(survivor, merged) if row["name"] not in hidden]
    visible_managers = set(
        Contact.objects.visible_to(request.membership)
        .filter(pk__in=[c.manager_id for c in (survivor, merged) if c.manager_id])
        .values_list("pk", flat=True)
    )
    for row in rows:
        if row["name"] == "manager":  # a manager the member may not see is not named
            for side in ("survivor", "merged"):
                if row[side] is not None and row[side].pk not in visible_managers:
                    row[f"{side}_shown"] = _("(not visible to you)")
    if request.method == "POST":
        choices = {row["name"]: request.POST.get(f"field_{row['name']}", "survivor") for row in rows}
        try:
            report = contact_merge(
                survivor=survivor,
                merged=merged,
                choices=choices,
                actor=request.user,
                expected_versions=(
                    _version(request.POST.get("survivor_version")),
                    _version(request.POST.get("merged_version")),
                ),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            message = _("%(merged)s was merged into %(survivor)s.")
            messages.success(request, message % {"merged": merged, "survivor": report.survivor})
            return HttpResponseRedirect(reverse("accounts:contact_detail", args=[report.survivor.pk]))
    context = {"survivor": survivor, "merged": merged, "rows": rows}
    return render(request, "accounts/contact_merge.html", context)
