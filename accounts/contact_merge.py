"""Merging two contacts (spec 4.2.1): the survivor takes the chosen value of each field; the merged
person's consents, affiliations, the people who report to them, and whatever later apps register
(activities, campaign members, tickets...) move to the survivor; the merged contact's last state stays
in its history, and the merge is recorded on the survivor. One transaction, both versions checked.

Two rules no choice can override, because they protect the person:
- consents: for each purpose, the most recent answer wins (a newer refusal or withdrawal is never
  replaced by an older grant); the other answer stays in the consent's history;
- do-not-call: if either record says "do not call", the survivor says it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts.models import Affiliation, Consent, Contact
from crm.models import User
from governance import search

# Later apps register how to move their rows: mover(merged, survivor, actor, reason) -> rows moved.
ContactMover = Callable[[Contact, Contact, User | None, str], int]
_movers: dict[str, ContactMover] = {}

MERGEABLE_CONTACT_FIELDS = (
    "salutation", "first_name", "last_name", "job_title", "department", "team", "phone", "mobile", "email",
    "language", "account", "manager", "owner", "topics", "products_of_interest", "preferred_channels",
    "contact_frequency", "relationship_status",
)  # fmt: skip


def register_contact_mover(name: str, mover: ContactMover) -> None:
    _movers[name] = mover


@dataclass
class ContactMergeReport:
    survivor: Contact
    moved: dict[str, int]


def _move_consents(merged: Contact, survivor: Contact, actor: User | None, reason: str) -> int:
    kept = {consent.purpose: consent for consent in Consent.objects.filter(contact=survivor)}
    moving, updated, dropped = [], [], []
    for consent in Consent.objects.filter(contact=merged):
        ours = kept.get(consent.purpose)
        if ours is None:
            consent.contact = survivor
            moving.append(consent)
        else:
            if consent.recorded_at > ours.recorded_at:  # their answer is newer: it is the person's will
                for name in ("status", "recorded_at", "source", "proof"):
                    setattr(ours, name, getattr(consent, name))
                updated.append(ours)
            dropped.append(consent)
    for consent in dropped:  # the history keeps each dropped answer as a deleted row, with the reason
        consent._history_user = actor  # type: ignore[attr-defined]
        consent._change_reason = reason  # type: ignore[attr-defined]
        consent.delete()
    if moving:
        bulk_update_with_history(
            moving, Consent, ["contact"], default_user=actor, default_change_reason=reason
        )
    if updated:
        bulk_update_with_history(
            updated,
            Consent,
            ["status", "recorded_at", "source", "proof"],
            default_user=actor,
            default_change_reason=reason,
        )
    return len(moving) + len(updated)


def _move_affiliations(merged: Contact, survivor: Contact, actor: User | None, reason: str) -> int:
    # One affiliation per company, and none with the survivor's own company.
    taken = set(Affiliation.objects.filter(contact=survivor).values_list("account_id", flat=True))
    taken.add(survivor.account_id)
    moving = []
    for affiliation in Affiliation.objects.filter(contact=merged):
        if affiliation.account_id in taken:
            affiliation._history_user = actor  # type: ignore[attr-defined]
            affiliation._change_reason = reason  # type: ignore[attr-defined]
            affiliation.delete()
        else:
            affiliation.contact = survivor
            taken.add(affiliation.account_id)
            moving.append(affiliation)
    if moving:
        bulk_update_with_history(
            moving, Affiliation, ["contact"], default_user=actor, default_change_reason=reason
        )
    return len(moving)


def _move_reports(merged: Contact, survivor: Contact, actor: User | None, reason: str) -> int:
    reports = list(Contact.objects.filter(manager=merged).exclude(pk=survivor.pk))
    for contact in reports:
        contact.manager = survivor
        contact.version += 1
    if reports:
        bulk_update_with_history(
            reports, Contact, ["manager", "version"], default_user=actor, default_change_reason=reason
        )
    return len(reports)


register_contact_mover("consents", _move_consents)
register_contact_mover("affiliations", _move_affiliations)
register_contact_mover("reports", _move_reports)


@transaction.atomic
def contact_merge(
    *,
    survivor: Contact,
    merged: Contact,
    choices: dict[str, str],
    actor: User | None,
    expected_versions: tuple[int | None, int | None] = (None, None),
) -> ContactMergeReport:
    """`choices` maps a field name to "survivor" or "merged": whose value the survivor keeps.
    `expected_versions` (survivor's, merged's) refuse a merge of records changed since the preview."""
    if survivor.pk == merged.pk:
        raise ValidationError(_("A contact cannot be merged with itself."))
    locked = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])}
    if len(locked) != 2:
        raise ValidationError(
            _("One of these contacts no longer exists: it was merged or deleted meanwhile.")
        )
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    for record, expected in zip((survivor, merged), expected_versions, strict=True):
        if expected is not None and record.version != expected:
            raise ValidationError(
                _("Someone changed %(contact)s since you opened this page. Check the values again.")
                % {"contact": record}
            )
    for name, source in choices.items():
        if name not in MERGEABLE_CONTACT_FIELDS:
            raise ValidationError({name: _("This field cannot be chosen in a merge.")})
        if source == "merged":
            setattr(survivor, name, getattr(merged, name))
    if survivor.manager_id == survivor.pk or survivor.manager_id == merged.pk:
        survivor.manager = None
    survivor.do_not_call = survivor.do_not_call or merged.do_not_call
    reason = _("Merged from %(merged)s (#%(id)s)") % {"merged": merged, "id": merged.pk}
    moved = {name: mover(merged, survivor, actor, reason) for name, mover in _movers.items()}
    merged_label = f"{merged} (#{merged.pk}, {merged.email or '—'})"
    merged._history_user = actor  # type: ignore[attr-defined]
    merged._change_reason = _("Merged into %(survivor)s (#%(id)s)") % {  # type: ignore[attr-defined]
        "survivor": survivor,
        "id": survivor.pk,
    }
    search.unindex(merged)
    merged.delete()
    survivor._history_user = actor  # type: ignore[attr-defined]
    survivor._change_reason = _("Merged with %(merged)s") % {"merged": merged_label}  # type: ignore[attr-defined]
    survivor.version = F("version") + 1  # type: ignore[assignment]
    survivor.full_clean(exclude=["tenant", "version"])
    survivor.save()
    survivor.refresh_from_db()
    search.index(survivor)
    return ContactMergeReport(survivor, moved)


def contact_merge_preview(survivor: Contact, merged: Contact) -> list[dict[str, Any]]:
    """The fields whose values differ, for the wizard to offer a choice."""
    from accounts.merge import preview_rows

    return preview_rows(Contact, MERGEABLE_CONTACT_FIELDS, survivor, merged)
