"""What a merge of accounts or contacts does to opportunities (registered in OpportunitiesConfig.ready()):
the merged account's opportunities move to the survivor (an account with opportunities could not be
deleted otherwise: they protect it); a merged contact's primary-contact links and contact roles move to
the surviving contact (a role the survivor already has on the same opportunity is kept once)."""

from __future__ import annotations

from django.db.models import F
from simple_history.utils import bulk_update_with_history

from accounts.models import Account, Contact
from crm.models import User
from opportunities.models import Opportunity, OpportunityContactRole


def opportunities_move(merged: Account, survivor: Account) -> int:
    from accounts.merge import move_rows

    return move_rows(Opportunity.objects.filter(account=merged), account=survivor)


def contact_links_move(merged: Contact, survivor: Contact, actor: User | None, reason: str) -> int:
    primaries = list(Opportunity.objects.select_for_update().filter(primary_contact=merged))
    for opportunity in primaries:
        opportunity.primary_contact = survivor
        opportunity.version += 1
    if primaries:
        bulk_update_with_history(
            primaries,
            Opportunity,
            ["primary_contact", "version"],
            default_user=actor,
            default_change_reason=reason,
        )
    roles = list(OpportunityContactRole.objects.filter(contact=merged))
    taken = set(
        OpportunityContactRole.objects.filter(contact=survivor).values_list("opportunity_id", flat=True)
    )
    moving = []
    for role in roles:
        if role.opportunity_id in taken:
            role._history_user = actor  # type: ignore[attr-defined]
            role.delete()
        else:
            role.contact = survivor
            moving.append(role)
    if moving:
        bulk_update_with_history(
            moving, OpportunityContactRole, ["contact"], default_user=actor, default_change_reason=reason
        )
    Opportunity.objects.filter(pk__in=[role.opportunity_id for role in roles]).update(
        version=F("version") + 1
    )
    return len(primaries) + len(roles)


def register_movers() -> None:
    from accounts.contact_merge import register_contact_mover
    from accounts.merge import register_mover

    register_mover("opportunities", opportunities_move)
    register_contact_mover("opportunity links", contact_links_move)
