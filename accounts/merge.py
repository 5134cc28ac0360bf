"""Merging two accounts (spec 4.2.1): the survivor takes the chosen value of each field, every row
that pointed at the merged account is moved to the survivor (contacts, affiliations, addresses,
subsidiaries, partner links, and whatever later apps register), the merged account's last state is
kept in its history, and the merge is recorded on the survivor. One transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.deletion import Collector
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from accounts import identifiers
from accounts.models import Account, Address, Affiliation, Contact
from accounts.services import StaleVersion
from crm.models import User
from crm.tenancy import current_tenant
from crm.trees import would_make_a_loop
from governance import search

# Later apps register how to move their rows: mover(merged, survivor) -> rows moved. A mover writes
# through `move_rows()`, which records the acting user and the reason of the merge in progress.
Mover = Callable[[Account, Account], int]
_movers: dict[str, Mover] = {}
BATCH_SIZE = 500  # rows per UPDATE and per history INSERT when rows move


@dataclass(frozen=True)
class _MergeInProgress:
    actor: User | None
    reason: str


_in_progress: ContextVar[_MergeInProgress | None] = ContextVar("merge_in_progress", default=None)


def merge_actor() -> User | None:
    """The user merging, for movers that record it themselves (None outside a merge)."""
    current = _in_progress.get()
    return current.actor if current is not None else None


def move_rows(queryset: QuerySet[Any], **changes: Any) -> int:
    """Apply `changes` to the rows of `queryset` the way a merge must: rows locked, a history row per
    row with the acting user and the merge's reason (when the model keeps history), the version bumped
    (when it has one), in a fixed number of statements per BATCH_SIZE rows, never one per row.
    `changes` values may be callables taking the row (e.g. a kind that depends on the row)."""
    model = queryset.model
    rows = list(queryset.select_for_update())
    if not rows:
        return 0
    names = {model._meta.get_field(name).name for name in changes}
    field_names = {field.name for field in model._meta.concrete_fields}
    now = timezone.now()
    for row in rows:
        for name, value in changes.items():
            setattr(row, name, value(row) if callable(value) else value)
        if "version" in field_names:
            row.version += 1
        if "updated_at" in field_names:
            row.updated_at = now
    names |= {"version", "updated_at"} & field_names
    current = _in_progress.get()
    if hasattr(model, "history"):
        bulk_update_with_history(
            rows,
            model,
            sorted(names),
            batch_size=BATCH_SIZE,
            default_user=current.actor if current else None,
            default_change_reason=current.reason if current else "",
            default_date=now,
        )
    else:
        model._default_manager.bulk_update(rows, sorted(names), batch_size=BATCH_SIZE)
    return len(rows)


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
    return move_rows(Contact.objects.filter(account=merged), account=survivor)


def _move_affiliations(merged: Account, survivor: Account) -> int:
    # A contact already affiliated with the survivor keeps one affiliation. These doubles are few
    # (people affiliated with both accounts): each is deleted with its own history row.
    doubles = list(Affiliation.objects.filter(account=merged, contact__affiliations__account=survivor))
    current = _in_progress.get()
    for double in doubles:
        double._history_user = current.actor if current else None  # type: ignore[attr-defined]
        double._change_reason = current.reason if current else ""  # type: ignore[attr-defined]
    if doubles:
        collector = Collector(using=Affiliation.objects.db)
        collector.collect(doubles)  # our instances reach the history's post_delete: user and reason
        collector.delete()
    return move_rows(Affiliation.objects.filter(account=merged), account=survivor)


def _move_addresses(merged: Account, survivor: Account) -> int:
    # One head office: the survivor's stays; the merged one's becomes another site.
    survivor_has_one = Address.objects.filter(account=survivor, kind=Address.Kind.HEAD_OFFICE).exists()

    def kind(address: Address) -> str:
        return Address.Kind.SITE if survivor_has_one else address.kind

    return move_rows(Address.objects.filter(account=merged), account=survivor, kind=kind)


def _move_group_links(merged: Account, survivor: Account) -> int:
    """Subsidiaries and referred accounts of the merged account point at the survivor (one history
    row and one version per account, even one that was both)."""
    linked = Account.objects.filter(Q(parent=merged) | Q(partner=merged)).exclude(pk=survivor.pk)

    def parent(account: Account) -> Any:
        return survivor.pk if account.parent_id == merged.pk else account.parent_id

    def partner(account: Account) -> Any:
        return survivor.pk if account.partner_id == merged.pk else account.partner_id

    return move_rows(linked, parent_id=parent, partner_id=partner)


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
    reason = _("Moved from account #%(merged)s, merged into #%(survivor)s") % {
        "merged": merged.pk,
        "survivor": survivor.pk,
    }
    token = _in_progress.set(_MergeInProgress(actor, reason))
    try:
        moved = {name: mover(merged, survivor) for name, mover in _movers.items()}
    finally:
        _in_progress.reset(token)
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


def shown(model: type[models.Model], name: str, value: Any) -> str:
    """A field's value as the wizard shows it: choice labels, not codes; numbers as dialled."""
    if value in (None, "", []):
        return "—"
    field = model._meta.get_field(name)
    choices = dict(getattr(field, "flatchoices", None) or [])
    base = getattr(field, "base_field", None)  # an ArrayField of choices
    if base is not None and getattr(base, "choices", None):
        choices = dict(base.flatchoices)
    if isinstance(value, list):
        return ", ".join(str(choices.get(item, item)) for item in value)
    if choices:
        return str(choices.get(value, value))
    if name in {"phone", "mobile"}:
        return identifiers.format_phone(value, region=current_tenant().country)
    if isinstance(value, Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if isinstance(value, date):
        return str(formats.localize(value))
    return str(value)


def preview_rows(
    model: type[models.Model], names: Iterable[str], survivor: Any, merged: Any
) -> list[dict[str, Any]]:
    """The fields whose values differ, for the wizard to offer a choice."""
    rows = []
    for name in names:
        ours, theirs = getattr(survivor, name), getattr(merged, name)
        if ours != theirs:
            rows.append(
                {
                    "name": name,
                    "label": model._meta.get_field(name).verbose_name,  # type: ignore[union-attr]
                    "survivor": ours,
                    "merged": theirs,
                    "survivor_shown": shown(model, name, ours),
                    "merged_shown": shown(model, name, theirs),
                }
            )
    return rows


def merge_preview(survivor: Account, merged: Account) -> list[dict[str, Any]]:
    return preview_rows(Account, MERGEABLE_FIELDS, survivor, merged)
