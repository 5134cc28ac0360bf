"""Reads of leads: what a member may see, filtered as the list page and the API ask."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.models import Membership
from leads.models import Lead


def lead_get(*, membership: Membership, pk: int) -> Lead:
    """The lead if the member may see it; Lead.DoesNotExist otherwise (a 404, as for another tenant's)."""
    return (
        Lead.objects.visible_to(membership)
        .select_related("source", "owner", "segment", "partner", "territory", "known_contact__account")
        .get(pk=pk)
    )


def lead_list(*, membership: Membership, filters: Mapping[str, str]) -> QuerySet[Lead]:
    """Visible leads, filtered: status, source (id), owner ("me" or a user id), `sla=breached`,
    `queue=1` (unassigned), `q` (name, e-mail or company, starting with)."""
    queryset = Lead.objects.visible_to(membership).select_related("source", "owner")
    status = filters.get("status", "")
    if status in Lead.Status.values:
        queryset = queryset.filter(status=status)
    source = filters.get("source", "")
    if source.isdigit():
        queryset = queryset.filter(source_id=int(source))
    owner = filters.get("owner", "")
    if owner == "me":
        queryset = queryset.filter(owner_id=membership.user_id)
    elif owner.isdigit():
        queryset = queryset.filter(owner_id=int(owner))
    if filters.get("sla") == "breached":
        queryset = (
            queryset.open()
            .filter(first_contacted_at__isnull=True)
            .filter(Q(sla_breached_at__isnull=False) | Q(first_contact_due_at__lte=timezone.now()))
        )
    if filters.get("queue") == "1":
        queryset = queryset.open().filter(owner__isnull=True)
    text = (filters.get("q") or "").strip()
    if text:
        queryset = queryset.filter(
            Q(last_name__istartswith=text) | Q(email__istartswith=text) | Q(company_name__istartswith=text)
        )
    return queryset
