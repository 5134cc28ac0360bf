"""Merging two accounts (spec 4.2.1): the survivor takes the chosen value of each field, every row
that pointed at the merged account is moved to the survivor (contacts, affiliations, addresses,
subsidiaries, partner links, and whatever later apps register), the merged account's last state is
kept in its history, and the merge is recorded on the survivor. One transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Account, Address, Affiliation, Contact
from accounts.services import StaleVersion
from crm.models import User
from crm.trees import would_make_a_loop
from governance import search

# Later apps register how to move their rows: mover(merged, survivor) -> rows moved.
Mover = Callable[[Account, Account], int]
_movers: dict[str, Mover] = {}

MERGEABLE_FIELDS = (
    "legal_name", "trade_name", "legal_form", "siren", "siret", "vat_number", "naf_code", "naf_version",
    "naics_code", "website", "account_type", "revenue_band", "headcount_band", "segment", "origin",
    "owner", "currency", "customer_revenue", "estimated_potential", "last_purchase_date",
    "relationship_status_override",
)  # fmt: skip


def register_mover(name: str, mover: Mover) -> None:
    _movers[name] = mover


@dataclass
class MergeReport:
    survivor: Account
    moved: dict[str, int]


def _move_contacts(merged: Account, survivor: Account) -> int:
    return Contact.objects.filter(account=merged).update(account=survivor)


def _move_affiliations(merged: Account, survivor: Account) -> int:
    # A contact already affiliated with the survivor keeps one affiliation.
    Affiliation.objects.filter(account=merged, contact__affiliations__account=survivor).delete()
    return Affiliation.objects.filter(account=merged).update(account=survivor)


def _move_addresses(merged: Account, survivor: Account) -> int:
    # One head office: the survivor's stays; the merged one's becomes another site.
    if Address.objects.filter(account=survivor, kind=Address.Kind.HEAD_OFFICE).exists():
        Address.objects.filter(account=merged, kind=Address.Kind.HEAD_OFFICE).update(kind=Address.Kind.SITE)
    return Address.objects.filter(account=merged).update(account=survivor)


def _move_group_links(merged: Account, survivor: Account) -> int:
    moved = Account.objects.filter(parent=merged).exclude(pk=survivor.pk).update(parent=survivor)
    return moved + Account.objects.filter(partner=merged).exclude(pk=survivor.pk).update(partner=survivor)


register_mover("contacts", _move_contacts)
register_mover("affiliations", _move_affiliations)
register_mover("addresses", _move_addresses)
register_mover("group links", _move_group_links)


@transaction.atomic
def account_merge(
    *,
    survivor: Account,
    merged: Account,
    choices: dict[str, str],
    actor: User | None,
    expected_versions: tuple[int, int] | None = None,
) -> MergeReport:
    """`choices` maps a field name to "survivor" or "merged": whose value the survivor keeps.

    `expected_versions` (survivor's, merged's), as the wizard showed them, refuses a merge when either
    account changed since (StaleVersion). An account gone meanwhile (merged or deleted by someone else)
    raises Account.DoesNotExist: the page answers 404."""
    if survivor.pk == merged.pk:
        raise ValidationError(_("An account cannot be merged with itself."))
    survivor = Account.objects.select_for_update().get(pk=survivor.pk)
    merged = Account.objects.select_for_update().get(pk=merged.pk)
    if expected_versions is not None and (survivor.version, merged.version) != expected_versions:
        raise StaleVersion(
            _(
                "One of the two accounts changed since you opened this page. Check the values below "
                "and confirm again."
            )
        )
    if would_make_a_loop(merged, survivor, "parent"):
        # The survivor sits below the merged account: it takes the merged account's place in the group.
        survivor.parent = merged.parent
    for name, source in choices.items():
        if name not in MERGEABLE_FIELDS:
            raise ValidationError({name: _("This field cannot be chosen in a merge.")})
        if source == "merged":
            setattr(survivor, name, getattr(merged, name))
    moved = {name: mover(merged, survivor) for name, mover in _movers.items()}
    # The merged account's last state stays in its history, with the reason, before it goes.
    merged._history_user = actor  # type: ignore[attr-defined]
    merged._change_reason = _("Merged into %(survivor)s (#%(id)s)") % {  # type: ignore[attr-defined]
        "survivor": survivor,
        "id": survivor.pk,
    }  # type: ignore[attr-defined]
    merged_siret, merged.siret = merged.siret, ""
    merged.save(update_fields=["siret"])  # frees the SIRET for the survivor (unique per tenant)
    merged_label = f"{merged} (#{merged.pk}, SIRET {merged_siret or '—'})"
    survivor._history_user = actor  # type: ignore[attr-defined]
    survivor._change_reason = _("Merged with %(merged)s") % {"merged": merged_label}  # type: ignore[attr-defined]
    survivor.version = F("version") + 1  # type: ignore[assignment]
    survivor.full_clean(exclude=["tenant", "version"])
    # Saved before the merged account goes: a survivor below it no longer points at it (PROTECT).
    survivor.save()
    survivor.refresh_from_db()
    search.unindex(merged)
    merged.delete()
    search.index(survivor)
    search.index_many(survivor.contacts.select_related("account"))
    return MergeReport(survivor, moved)


def merge_preview(survivor: Account, merged: Account) -> list[dict[str, Any]]:
    """The fields whose values differ, for the wizard to offer a choice."""
    rows = []
    for name in MERGEABLE_FIELDS:
        ours, theirs = getattr(survivor, name), getattr(merged, name)
        if ours != theirs:
            label = Account._meta.get_field(name).verbose_name  # type: ignore[union-attr]
            rows.append({"name": name, "label": label, "survivor": ours, "merged": theirs})
    return rows
