"""Writes on the duplicates queue: "not a duplicate", and the merge wizard's follow-up."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.contact_merge import register_contact_mover
from accounts.dedup.models import DuplicateCandidate
from accounts.merge import register_mover
from accounts.models import Account, Contact
from crm.models import User
from crm.tenancy import current_membership


@transaction.atomic
def candidate_dismiss(*, candidate: DuplicateCandidate, actor: User) -> DuplicateCandidate:
    """Mark an open pair "not a duplicate"; the nightly scan leaves it so. One conditional UPDATE: two
    people dismissing at once, or a merge meanwhile, cannot both win."""
    now = timezone.now()
    changed = DuplicateCandidate.objects.filter(
        pk=candidate.pk, status=DuplicateCandidate.Status.OPEN
    ).update(status=DuplicateCandidate.Status.DISMISSED, resolved_by=actor, resolved_at=now, updated_at=now)
    if not changed:
        raise ValidationError(_("This pair has already been dealt with."))
    candidate.refresh_from_db()
    return candidate


def candidates_resolve_merged(merged: Account, survivor: Account) -> int:
    """A merge mover (accounts.merge.register_mover), run in the merge's transaction before the merged
    account goes: its pair with the survivor becomes "merged"; its other open pairs are resolved (the
    survivor's own pairs are found again by the next scan). Returns the candidates changed."""
    now = timezone.now()
    membership = current_membership()
    actor_id = membership.user_id if membership is not None else None
    first, second = sorted((merged.pk, survivor.pk))
    pair = DuplicateCandidate.objects.filter(
        kind=DuplicateCandidate.Kind.ACCOUNT, first_account_id=first, second_account_id=second
    ).exclude(status=DuplicateCandidate.Status.MERGED)
    merged_count = pair.update(
        status=DuplicateCandidate.Status.MERGED, resolved_by_id=actor_id, resolved_at=now, updated_at=now
    )
    others = DuplicateCandidate.objects.filter(
        Q(first_account=merged) | Q(second_account=merged),
        kind=DuplicateCandidate.Kind.ACCOUNT,
        status=DuplicateCandidate.Status.OPEN,
    )
    resolved_count = others.update(
        status=DuplicateCandidate.Status.RESOLVED, resolved_by_id=actor_id, resolved_at=now, updated_at=now
    )
    return merged_count + resolved_count


def contact_candidates_resolve_merged(
    merged: Contact, survivor: Contact, actor: User | None, reason: str
) -> int:
    """The same for a contact merge (accounts.contact_merge.register_contact_mover)."""
    now = timezone.now()
    first, second = sorted((merged.pk, survivor.pk))
    pair = DuplicateCandidate.objects.filter(
        kind=DuplicateCandidate.Kind.CONTACT, first_contact_id=first, second_contact_id=second
    ).exclude(status=DuplicateCandidate.Status.MERGED)
    merged_count = pair.update(
        status=DuplicateCandidate.Status.MERGED, resolved_by=actor, resolved_at=now, updated_at=now
    )
    others = DuplicateCandidate.objects.filter(
        Q(first_contact=merged) | Q(second_contact=merged),
        kind=DuplicateCandidate.Kind.CONTACT,
        status=DuplicateCandidate.Status.OPEN,
    )
    resolved_count = others.update(
        status=DuplicateCandidate.Status.RESOLVED, resolved_by=actor, resolved_at=now, updated_at=now
    )
    return merged_count + resolved_count


# Registered when this module is imported: AccountsConfig.ready() imports it.
register_mover("duplicate candidates", candidates_resolve_merged)
register_contact_mover("duplicate candidates", contact_candidates_resolve_merged)
