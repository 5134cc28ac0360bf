"""Writes of the agenda: sharing settings, the feed's secret address, a new meeting, and the import of
an .ics file (uploaded or received by e-mail). Each is atomic; activities are written only through
activities.services.records (their effects and listeners included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import Contact
from activities.agenda.ics import ParsedEvent, calendar_parse
from activities.agenda.invitations import OWN_UID_SUFFIX
from activities.models import Activity, ActivityType, CalendarSettings
from activities.services.records import ActivityInput, activity_create, activity_types_ensure, activity_update
from crm.models import Membership, User

# The meeting types of the agenda's own form (codes of ActivityType.DEFAULTS).
MEETING_CODES = ("meeting", "demo", "webinar", "field_visit", "outbound_call")


@transaction.atomic
def calendar_settings_update(*, membership: Membership, sharing: str) -> CalendarSettings:
    if sharing not in CalendarSettings.Sharing.values:
        raise ValidationError({"sharing": _("Choose who sees your agenda.")})
    row, _created = CalendarSettings.objects.select_for_update().get_or_create(
        user_id=membership.user_id, defaults={"sharing": sharing}
    )
    if row.sharing != sharing:
        row.sharing = sharing
        row.save(update_fields=["sharing"])
    return row


@transaction.atomic
def calendar_feed_regenerate(*, membership: Membership) -> tuple[CalendarSettings, str]:
    """A new secret feed address; the previous one stops working. Returns the secret (shown once)."""
    row, _created = CalendarSettings.objects.select_for_update().get_or_create(user_id=membership.user_id)
    secret = row.new_feed_secret()
    row.save(update_fields=["feed_id", "feed_secret_hash", "feed_created_at"])
    return row, secret


@transaction.atomic
def calendar_feed_revoke(*, membership: Membership) -> None:
    CalendarSettings.objects.filter(user_id=membership.user_id).update(
        feed_id="", feed_secret_hash="", feed_created_at=None
    )


def meeting_types() -> list[ActivityType]:
    """The types the agenda's form offers, created for the tenant when missing."""
    by_code = {row.code: row for row in activity_types_ensure() if row.is_active}
    return [by_code[code] for code in MEETING_CODES if code in by_code]


def meeting_create(
    *,
    actor: User,
    type: ActivityType,
    subject: str,
    starts_at: datetime,
    duration_minutes: int,
    location: str = "",
    contacts: list[Contact] | None = None,
    account: Any = None,
    opportunity: Any = None,
    is_private: bool = False,
    description: str = "",
) -> Activity:
    """A planned meeting (or call) of the actor's agenda; invitations follow on commit."""
    if type.kind not in (ActivityType.Kind.MEETING, ActivityType.Kind.CALL):
        raise ValidationError({"type": _("Choose a meeting or call type.")})
    return activity_create(
        data=ActivityInput(
            type=type,
            subject=subject,
            owner=actor,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            status=Activity.Status.PLANNED,
            location=location,
            description=description,
            is_private=is_private,
            account=account,
            opportunity=opportunity,
            contacts=contacts or [],
        ),
        actor=actor,
    )


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    recurring: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = _(
            "%(created)s meeting(s) created, %(updated)s updated, %(cancelled)s cancelled, "
            "%(unchanged)s unchanged."
        ) % {
            "created": self.created,
            "updated": self.updated,
            "cancelled": self.cancelled,
            "unchanged": self.unchanged,
        }
        if self.recurring:
            text += " " + _("Recurring event: only the first occurrence imported (%(titles)s).") % {
                "titles": ", ".join(self.recurring[:5])
            }
        return text


def _contacts_by_email(membership: Membership, events: list[ParsedEvent]) -> dict[str, Contact]:
    emails = {email for event in events for email in event.attendees}
    if not emails:
        return {}
    found: dict[str, Contact] = {}
    rows = (
        Contact.objects.visible_to(membership)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .order_by("id")
    )
    for contact in rows:
        found.setdefault(contact.email.lower(), contact)
    return found


def _description(event: ParsedEvent) -> str:
    if not event.recurrence:
        return event.description
    note = _("Recurring event: only the first occurrence imported.")
    return f"{event.description}\n\n{note}\nRRULE:{event.recurrence}".strip()


def _foreign_uid(uid: str) -> str:
    return f"{uid}.imported"[:255]


def _keep_sequence(activity: Activity, sequence: int) -> None:
    """The organiser's SEQUENCE, not ours (activity_update counted one more): their next update is
    compared with it."""
    Activity.objects.filter(pk=activity.pk).update(sequence=sequence)
    activity.sequence = sequence


@transaction.atomic
def calendar_import(*, membership: Membership, data: bytes, actor: User) -> ImportResult:
    """Each VEVENT becomes a planned meeting of the member, matched by UID: a higher SEQUENCE updates
    it, METHOD:CANCEL (or STATUS:CANCELLED) cancels it. A bad file raises ValidationError with every
    reason and nothing is written (one transaction)."""
    tenant_zone = membership.tenant.time_zone
    parsed = calendar_parse(data, time_zone=tenant_zone)
    if parsed.method not in ("", "REQUEST", "PUBLISH", "CANCEL"):
        raise ValidationError(
            _(
                "This calendar is a “%(method)s” message: only invitations, cancellations and "
                "published calendars are imported."
            )
            % {"method": parsed.method}
        )
    user = membership.user
    meeting_type = next((row for row in activity_types_ensure() if row.code == "meeting"), None)
    if meeting_type is None:  # pragma: no cover - activity_types_ensure creates it
        raise ValidationError(_("The meeting type is missing."))
    uids = {event.uid for event in parsed.events}
    existing = {
        row.uid: row
        for row in Activity.objects.select_related("type").filter(
            owner=user, uid__in=uids | {_foreign_uid(uid) for uid in uids}
        )
    }
    contacts = _contacts_by_email(membership, parsed.events)
    result = ImportResult()
    for event in parsed.events:
        # A UID shaped like the CRM's own is taken as ours only for the member's own meeting (their
        # feed re-imported); otherwise it is renamed, so that a received file can never pass for a
        # meeting the CRM organises (and make it send invitations to the contacts).
        uid = (
            event.uid
            if event.uid in existing or not event.uid.endswith(OWN_UID_SUFFIX)
            else _foreign_uid(event.uid)
        )
        attendees = [contacts[email] for email in event.attendees if email in contacts]
        current = existing.get(uid)
        if parsed.method == "CANCEL" or event.status == "CANCELLED":
            if current is not None and current.status != Activity.Status.CANCELLED:
                activity_update(activity=current, actor=actor, status=Activity.Status.CANCELLED)
                _keep_sequence(current, event.sequence)
                result.cancelled += 1
            else:
                result.unchanged += 1
            continue
        if current is not None and event.sequence <= current.sequence:
            result.unchanged += 1
            continue
        if event.recurrence:
            result.recurring.append(event.summary or _("(no title)"))
        fields: dict[str, Any] = {
            "subject": event.summary or _("(no title)"),
            "starts_at": event.starts_at,
            "duration_minutes": event.duration_minutes,
            "all_day": event.all_day,
            "location": event.location,
            "description": _description(event),
        }
        if current is not None:
            activity_update(
                activity=current, actor=actor, contacts=attendees, status=Activity.Status.PLANNED, **fields
            )
            result.updated += 1
        else:
            current = activity_create(
                data=ActivityInput(
                    type=meeting_type,
                    owner=user,
                    status=Activity.Status.PLANNED,
                    contacts=attendees,
                    uid=uid,
                    **fields,
                ),
                actor=actor,
            )
            existing[uid] = current
            result.created += 1
        _keep_sequence(current, event.sequence)
    return result
