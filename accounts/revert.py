"""Restoring an account or a contact to the state one of its history rows recorded.

Only tenant administrators may do it (`may_revert`). A restore is an ordinary update through the
services: the same normalisation, checks (SIRET free, no loop in the group), field policies and
optimistic locking, and a new history row naming the acting user with the reason "restored the
version of <date>". Nothing is rewritten in the past: the history only grows.

A related record the version named but that no longer exists (a deleted parent company, a departed
owner) is left empty, and the caller gets a warning naming it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import Account, Contact
from crm.models import Membership, User
from crm.roles import Role
from governance import field_rules


def may_revert(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.TENANT_ADMIN


def _values_of(
    record: Any, model: type[Account] | type[Contact], names: tuple[str, ...]
) -> tuple[dict, list]:
    """The field values a history row holds, related records fetched back (one query per relation)."""
    data: dict[str, Any] = {}
    missing: list[str] = []
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            pk = getattr(record, field.attname)
            target = field.related_model._default_manager.filter(pk=pk).first() if pk else None  # type: ignore[union-attr]
            if pk and target is None:
                missing.append(str(field.verbose_name))
            data[name] = target
        else:
            data[name] = getattr(record, name)
    return data, missing


def _changes_only(current: Account | Contact, data: dict[str, Any]) -> dict[str, Any]:
    """What differs from the record as it is now, less the fields the tenant's field rules keep
    read-only (computed, or owned by an integration): a restore does not overwrite those."""
    read_only = {
        name for name, effective in field_rules.rules(type(current)).items() if effective.is_read_only
    }
    return {
        name: value
        for name, value in data.items()
        if name not in read_only and field_rules.is_change(current, name, value)
    }


def _restored_reason(record: Any) -> str:
    return _("Restored the version of %(date)s") % {
        "date": formats.date_format(record.history_date, "SHORT_DATETIME_FORMAT")
    }


def _warnings(missing: list[str]) -> list[str]:
    return [
        _("%(field)s of that version no longer exists: it was left empty.") % {"field": name.capitalize()}
        for name in missing
    ]


def _version_of(model: type[Account] | type[Contact], pk: int, history_id: int) -> Any:
    record = model.history.filter(id=pk, history_id=history_id).first()  # type: ignore[attr-defined]
    if record is None or record.history_type == "-":
        raise ValidationError(_("This version cannot be restored."))
    return record


@transaction.atomic
def account_revert(
    *, account: Account, history_id: int, actor: User, role: str, expected_version: int | None
) -> services.Outcome:
    record = _version_of(Account, account.pk, history_id)
    data, missing = _values_of(record, Account, services.ACCOUNT_FIELDS)
    outcome = services.account_update(
        account=account,
        actor=actor,
        data=_changes_only(account, data),
        expected_version=expected_version,
        role=role,
        reason=_restored_reason(record),
    )
    outcome.warnings.extend(_warnings(missing))
    return outcome


@transaction.atomic
def contact_revert(
    *, contact: Contact, history_id: int, actor: User, expected_version: int | None
) -> services.Outcome:
    record = _version_of(Contact, contact.pk, history_id)
    data, missing = _values_of(record, Contact, services.CONTACT_FIELDS)
    if data["account"] is None:
        raise ValidationError(
            _("The company of that version no longer exists: this version cannot be restored.")
        )
    outcome = services.contact_update(
        contact=contact,
        actor=actor,
        data=_changes_only(contact, data),
        expected_version=expected_version,
        reason=_restored_reason(record),
    )
    outcome.warnings.extend(_warnings(missing))
    return outcome
