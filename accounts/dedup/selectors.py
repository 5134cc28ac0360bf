"""Reads of the duplicates queue: only the pairs whose two records the member may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.dedup.models import DuplicateCandidate
from accounts.models import Account, Contact
from crm.models import Membership

QUEUE_SIZE = 100


def candidate_visible_list(*, membership: Membership) -> QuerySet[DuplicateCandidate]:
    """Candidates whose two records are both visible to the member, as one SQL predicate."""
    accounts = Account.objects.visible_to(membership).values("pk")
    contacts = Contact.objects.visible_to(membership).values("pk")
    return DuplicateCandidate.objects.filter(
        Q(kind=DuplicateCandidate.Kind.ACCOUNT, first_account__in=accounts, second_account__in=accounts)
        | Q(kind=DuplicateCandidate.Kind.CONTACT, first_contact__in=contacts, second_contact__in=contacts)
    )


def candidate_queue(*, membership: Membership) -> QuerySet[DuplicateCandidate]:
    """The open candidates the member can work, highest score first (slice it: QUEUE_SIZE)."""
    return (
        candidate_visible_list(membership=membership)
        .filter(status=DuplicateCandidate.Status.OPEN)
        .select_related(
            "first_account", "second_account", "first_contact__account", "second_contact__account"
        )
        .order_by("-score", "id")
    )
