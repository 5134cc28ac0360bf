"""Reads on activities and tasks: visibility predicates first (every list, timeline, agenda, API and
search result starts from them)."""

from __future__ import annotations

from django.db.models import Q

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
