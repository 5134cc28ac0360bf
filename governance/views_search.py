"""The global search page, inside a tenant (/t/<slug>/search/?q=...).

One query for the ranked candidates (crm_search, tenant-filtered in the database), then one per
registered type to keep what the member may see: the page costs the same for 1 match or 200.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.models import Membership
from governance import search

MAX_QUERY_LENGTH = 200


@login_required
@require_GET
def search_results(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    too_short = bool(query) and len(query) < search.MIN_QUERY_LENGTH
    groups: list[search.SearchGroup] = []
    if query and not too_short:
        groups = search.search_grouped(membership, query, types=search.types_for(request.user))
    context = {
        "query": query,
        "too_short": too_short,
        "groups": groups,
        "result_count": sum(len(group.results) for group in groups),
        "min_length": search.MIN_QUERY_LENGTH,
    }
    return render(request, "search/results.html", context)
