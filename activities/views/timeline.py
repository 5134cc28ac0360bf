"""A record's timeline (account, contact, lead, opportunity): newest first, filtered by type, one keyset
page at a time. The record's page shows the first page (activities.panels); "older" loads the next one
here (a fragment for htmx, the whole page otherwise)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from activities import selectors
from activities.models import ActivityType
from crm.http import TenantRequest
from crm.pagination import keyset_page

PAGE_SIZE = 20
PANEL_SIZE = 10  # the first page shown on the record's own page
RECORD_URLS = {
    "account": "accounts:account_detail",
    "contact": "accounts:contact_detail",
    "lead": "leads:lead_detail",
    "opportunity": "opportunities:opportunity_detail",
}


def may_read(request: HttpRequest, kind: str) -> bool:
    user: Any = request.user
    return bool(user.has_perm("activities.view_activity") and user.has_perm(selectors.KIND_PERMISSIONS[kind]))


def _type_ids(query: QueryDict) -> list[int]:
    return [int(value) for value in query.getlist("type") if value.isdigit()]


def timeline_context(
    request: HttpRequest,
    kind: str,
    record: Any,
    *,
    query: QueryDict | None = None,
    size: int = PAGE_SIZE,
    in_panel: bool = False,
) -> dict[str, Any]:
    """One page of the record's timeline, its type chips and the link to the older page. A fixed number
    of queries (rows with their type, owner and records; their contacts; the types)."""
    membership = request.membership  # type: ignore[attr-defined]
    query = request.GET if query is None else query
    chosen = _type_ids(query)
    page = keyset_page(
        selectors.timeline(membership=membership, kind=kind, pk=record.pk, type_ids=chosen),
        order=("starts_at", "id"),
        descending=True,
        cursor=query.get("after", ""),
        size=size,
    )
    base = reverse("activities:timeline", args=[kind, record.pk])
    older_url = None
    if page.next_cursor:
        params = QueryDict(mutable=True)
        params.setlist("type", [str(pk) for pk in chosen])
        params["after"] = page.next_cursor
        older_url = f"{base}?{params.urlencode()}"
    record_url = reverse(RECORD_URLS[kind], args=[record.pk])
    log_url = f"{reverse('activities:activity_create')}?{urlencode({kind: record.pk, 'next': record_url})}"
    user: Any = request.user
    return {
        "kind": kind,
        "record": record,
        "rows": page.rows,
        "older_url": older_url,
        "types": [
            item
            for item in ActivityType.objects.order_by("position", "id")
            if item.is_active or item.pk in chosen
        ],
        "chosen_types": chosen,
        "timeline_url": base,
        "log_url": log_url,
        "may_add": user.has_perm("activities.add_activity"),
        "record_url": record_url,
        # On the record's page, a chip swaps the panel in place (htmx); elsewhere it is a plain link.
        "in_panel": in_panel,
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def timeline(request: TenantRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in selectors.TIMELINE_KINDS:
        raise Http404
    record = selectors.timeline_record(membership=request.membership, kind=kind, pk=pk)
    if record is None or not may_read(request, kind):
        raise Http404
    in_panel = request.GET.get("panel") == "1"
    context = timeline_context(
        request, kind, record, size=PANEL_SIZE if in_panel else PAGE_SIZE, in_panel=in_panel
    )
    if request.htmx and in_panel:  # type: ignore[attr-defined]
        return render(request, "activities/timeline_panel.html", {"panel": context})
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "activities/timeline_rows.html", {"panel": context})
    return render(request, "activities/timeline.html", {"panel": context})
