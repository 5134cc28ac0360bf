"""A record's django-simple-history rows as the history tabs show them: who, when, what changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

# Rows shown on a history tab (one more is read, to diff the oldest shown against).
HISTORY_SIZE = 50
# Bookkeeping columns that change on every save: not worth a line in the history.
DEFAULT_NOISE = ("version",)


def _display_value(field: models.Field[Any, Any], value: Any, names: dict[str, dict[Any, str]]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field.is_relation:
        return names.get(field.name, {}).get(value, _("(not visible to you)"))
    if field.choices:
        labels = dict(field.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(labels.get(item, item)) for item in value)
        return str(labels.get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime | date):
        return formats.localize(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def history_entries(
    records: Sequence[Any],
    model: type[models.Model],
    related_names: dict[str, QuerySet[Any]],
    hidden: Iterable[str] = (),
    noise: Iterable[str] = DEFAULT_NOISE,
) -> list[dict[str, Any]]:
    """Newest first: when, who, and each changed field as (verbose name, old, new).

    `records` holds one more record than is shown, so that the oldest shown has something to diff
    against. Related records are named in one query per relation, and only when the member may see them.
    """
    deltas: list[tuple[Any, Any]] = []
    for index, record in enumerate(records[:HISTORY_SIZE]):
        previous = records[index + 1] if index + 1 < len(records) else None
        delta = None
        if previous is not None and record.history_type == "~":
            # Fields the role may not read are not shown in their history either.
            delta = record.diff_against(previous, excluded_fields=[*noise, *hidden])
        deltas.append((record, delta))
    wanted: dict[str, set[Any]] = {name: set() for name in related_names}
    for _record, delta in deltas:
        for change in delta.changes if delta else ():
            if change.field in wanted:
                wanted[change.field].update(value for value in (change.old, change.new) if value is not None)
    names = {
        name: {obj.pk: str(obj) for obj in queryset.filter(pk__in=wanted[name])} if wanted[name] else {}
        for name, queryset in related_names.items()
    }
    kinds = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
    entries = []
    for record, delta in deltas:
        changes = []
        for change in delta.changes if delta else ():
            field = model._meta.get_field(change.field)
            changes.append(
                {
                    "field": field.verbose_name,  # type: ignore[union-attr]
                    "old": _display_value(field, change.old, names),  # type: ignore[arg-type]
                    "new": _display_value(field, change.new, names),  # type: ignore[arg-type]
                }
            )
        if (
            record.history_type == "~"
            and delta is not None
            and not changes
            and not record.history_change_reason
        ):
            continue  # a save that changed nothing visible, and says nothing (a merge or a restore does)
        entries.append(
            {
                "id": record.history_id,
                "date": record.history_date,
                "user": record.history_user,
                "kind": kinds.get(record.history_type, record.history_type),
                "reason": record.history_change_reason or "",
                "changes": changes,
                "restorable": record.history_type != "-",
            }
        )
    if entries:
        entries[0]["restorable"] = False  # the newest state shown is the current one: nothing to restore
    return entries
