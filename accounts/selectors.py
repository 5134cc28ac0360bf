"""Reads on accounts and contacts: every list, detail, export and API route starts here, so that
visibility (`visible_to`) is never forgotten."""

from __future__ import annotations

from django.db.models import Count, Q

from accounts.models import Account, AccountQuerySet, Contact, ContactQuerySet
from crm.models import Membership


def account_list(*, membership: Membership, search: str = "") -> AccountQuerySet:
    # The list shows the owner only: joining the parent company made PostgreSQL hash the whole table
    # (1.8 s on a million accounts) for a column no list shows.
    queryset = Account.objects.visible_to(membership).select_related("owner")
    if search:
        term = search.strip()
        digits = "".join(ch for ch in term if ch.isdigit())
        condition = Q(legal_name__icontains=term) | Q(trade_name__icontains=term)
        if len(digits) >= 9:
            condition |= Q(siren=digits[:9]) | Q(siret=digits)
        queryset = queryset.filter(condition)
    return queryset


def account_get(*, membership: Membership, pk: int) -> Account:
    """The account if this member may see it; Account.DoesNotExist (a 404) otherwise."""
    return (
        Account.objects.visible_to(membership)
        .select_related("owner", "segment", "parent", "partner")
        .annotate(contact_count=Count("contacts"))
        .get(pk=pk)
    )


def contact_list(*, membership: Membership, search: str = "") -> ContactQuerySet:
    queryset = Contact.objects.visible_to(membership).select_related("account", "owner")
    if search:
        term = search.strip()
        queryset = queryset.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    return queryset


def contact_get(*, membership: Membership, pk: int) -> Contact:
    return Contact.objects.visible_to(membership).select_related("account", "owner", "manager").get(pk=pk)


def account_subsidiaries(*, membership: Membership, account: Account) -> AccountQuerySet:
    return Account.objects.visible_to(membership).filter(parent=account).select_related("owner")
