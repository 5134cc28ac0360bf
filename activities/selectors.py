"""Reads on activities and tasks: visibility predicates first (every list, timeline, agenda, API and
search result starts from them)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from activities.models import Activity, ActivityContact
from crm.models import Membership
from governance.visibility import COMPANY_WIDE_READERS, owned_by_me_or_below


def activity_visibility(membership: Membership) -> Q:
    """Mine and my reports' activities, private or not; others' when not private and their account,
    lead or opportunity is visible to me. Company-wide readers see every activity that is not private."""
    mine_or_below = owned_by_me_or_below(membership)
    if membership.role in COMPANY_WIDE_READERS:
        return mine_or_below | Q(is_private=False)
    from accounts.models import Account
    from leads.models import Lead
    from opportunities.models import Opportunity

    related = (
        Q(account__in=Account.objects.visible_to(membership).values("pk"))
        | Q(lead__in=Lead.objects.visible_to(membership).values("pk"))
        | Q(opportunity__in=Opportunity.objects.visible_to(membership).values("pk"))
    )
    return mine_or_below | (Q(is_private=False) & related)


def task_visibility(membership: Membership) -> Q:
    """Tasks assigned to me or anyone below me, and the tasks I created for others."""
    return owned_by_me_or_below(membership, "assignee") | Q(created_by_id=membership.user_id)


# --- Timeline and lists (timeline part) -------------------------------------------------------------

TIMELINE_KINDS = ("account", "contact", "lead", "opportunity")
# The record's permission: a role that does not read accounts has no account timeline.
KIND_PERMISSIONS = {
    "account": "accounts.view_account",
    "contact": "accounts.view_contact",
    "lead": "leads.view_lead",
    "opportunity": "opportunities.view_opportunity",
}


def _rows(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """What a row shows, in a fixed number of queries whatever the number of rows."""
    from accounts.models import Contact

    return queryset.select_related("type", "owner", "account", "lead", "opportunity").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("last_name", "first_name", "id"))
    )


def activity_base(*, membership: Membership) -> QuerySet[Activity]:
    return Activity.objects.visible_to(membership)


def activity_get(*, membership: Membership, pk: int) -> Activity:
    """A visible activity, or Activity.DoesNotExist (a 404 for pages and API)."""
    return _rows(activity_base(membership=membership)).get(pk=pk)


def period_range(period: str, *, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """today / week / month / past7 / next7 as a [start, end) range in the local time zone."""
    now = timezone.localtime(now or timezone.now())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "today":
        return midnight, midnight + timedelta(days=1)
    if period == "week":
        monday = midnight - timedelta(days=midnight.weekday())
        return monday, monday + timedelta(days=7)
    if period == "month":
        first = midnight.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following
    if period == "past30":
        return midnight - timedelta(days=30), now
    if period == "upcoming":
        return now, now + timedelta(days=3650)
    return None


PERIODS = ("today", "week", "month", "past30", "upcoming")


def activity_list(*, membership: Membership, filters: Mapping[str, str]) -> QuerySet[Activity]:
    """Visible activities filtered by type (id), owner ("me" or a user id), period, and related record."""
    queryset = activity_base(membership=membership)
    type_id = filters.get("type", "")
    if type_id.isdigit():
        queryset = queryset.filter(type_id=int(type_id))
    owner = filters.get("owner", "")
    if owner == "me":
        queryset = queryset.filter(owner_id=membership.user_id)
    elif owner.isdigit():
        queryset = queryset.filter(owner_id=int(owner))
    status = filters.get("status", "")
    if status in Activity.Status.values:
        queryset = queryset.filter(status=status)
    span = period_range(filters.get("period", ""))
    if span is not None:
        queryset = queryset.filter(starts_at__gte=span[0], starts_at__lt=span[1])
    return _rows(queryset)


def timeline(
    *, membership: Membership, kind: str, pk: int, type_ids: list[int] | None = None
) -> QuerySet[Activity]:
    """The visible activities of one record. An account's are those whose account is it (the services
    fill the account from the contact and the opportunity: its own, its contacts' and its
    opportunities'); a contact's those it took part in."""
    queryset = activity_base(membership=membership)
    if kind == "contact":
        queryset = queryset.filter(pk__in=ActivityContact.objects.filter(contact_id=pk).values("activity_id"))
    elif kind in ("account", "lead", "opportunity"):
        queryset = queryset.filter(**{f"{kind}_id": pk})
    else:
        raise ValueError(kind)
    if type_ids:
        queryset = queryset.filter(type_id__in=type_ids)
    return _rows(queryset)


def timeline_record(*, membership: Membership, kind: str, pk: int) -> Any:
    """The visible record a timeline is about, or None (a 404)."""
    from accounts.models import Account, Contact
    from leads.models import Lead
    from opportunities.models import Opportunity

    model: Any = {"account": Account, "contact": Contact, "lead": Lead, "opportunity": Opportunity}.get(kind)
    if model is None:
        return None
    return model.objects.visible_to(membership).filter(pk=pk).first()
