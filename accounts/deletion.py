"""Deleting an account or a contact, for the roles that may (delete rights on the record).

An account that still has contacts or subsidiaries is not deleted: they would be lost or orphaned
(the database protects them too). Merge it into the account that should keep them, or move them
first. A contact goes with its consents and affiliations; the people who reported to them keep no
manager. Every deleted row keeps its last state in its history, with the acting user, and both
versions are checked so that a record changed since the confirmation page is not deleted blindly.
GDPR erasure (forgetting a person, history included) is a different, later feature.
"""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils.translation import gettext as _

from accounts.models import Account, Contact
from accounts.services import StaleVersion
from crm.models import User
from governance import search


def account_blockers(account: Account) -> dict[str, int]:
    """What keeps this account from being deleted: its contacts and subsidiaries, counted."""
    return {
        "contacts": Contact.objects.filter(account=account).count(),
        "subsidiaries": Account.objects.filter(parent=account).count(),
    }


@transaction.atomic
def account_delete(*, account: Account, actor: User | None, expected_version: int | None) -> None:
    current = Account.objects.select_for_update().filter(pk=account.pk).first()
    if current is None:
        raise ValidationError(_("This account no longer exists."))
    if expected_version is None or current.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this account since you opened it. Reload it to see their changes.")
        )
    blockers = account_blockers(current)
    if any(blockers.values()):
        raise ValidationError(
            _(
                "This account still has %(contacts)s contact(s) and %(subsidiaries)s subsidiary(ies): merge "
                "it into the account that should keep them, or move them first."
            )
            % blockers
        )
    current._history_user = actor  # type: ignore[attr-defined]
    search.unindex(current)
    _delete_unless_used(current)


def _delete_unless_used(record: Model) -> None:
    """Delete, or refuse with what still points at the record: other apps' rows that protect it
    (an opportunity, a quote, a converted lead) are found by Django before anything is deleted."""
    try:
        record.delete()
    except ProtectedError as error:
        counts = Counter(str(item._meta.verbose_name_plural) for item in error.protected_objects)
        used_by = ", ".join(f"{name} ({count})" for name, count in sorted(counts.items()))
        raise ValidationError(
            _("It is still used by: %(used_by)s. Move or delete those first.") % {"used_by": used_by}
        ) from None


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User | None, expected_version: int | None) -> None:
    current = Contact.objects.select_for_update().filter(pk=contact.pk).first()
    if current is None:
        raise ValidationError(_("This contact no longer exists."))
    if expected_version is None or current.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this contact since you opened it. Reload it to see their changes.")
        )
    # The rows that go with the contact record who removed them, in their own history.
    for related in (*current.consents.all(), *current.affiliations.all()):
        related._history_user = actor  # type: ignore[attr-defined]
        related.delete()
    reports = list(Contact.objects.filter(manager=current))
    for report in reports:
        report.manager = None
        report._history_user = actor  # type: ignore[attr-defined]
        report.save(update_fields=["manager", "updated_at"])
    current._history_user = actor  # type: ignore[attr-defined]
    search.unindex(current)
    _delete_unless_used(current)
