"""Invitations to the contacts of a meeting, sent after the write commits (activities.listeners).

- created: a planned future meeting with contacts that have an e-mail -> METHOD:REQUEST to each;
- updated: the SEQUENCE grew (schedule change) -> REQUEST again to every attendee, with the higher
  SEQUENCE; a contact added -> REQUEST to them; a contact removed -> CANCEL to them;
  cancelled -> METHOD:CANCEL to everyone invited;
- deleted -> CANCEL to everyone invited (read from InvitationRecipient: the links are gone).
Never for done or past meetings, nor for meetings the CRM does not organise: an invitation imported
from someone else's calendar keeps its organiser's UID (ours end with "@crm"), and its organiser
sends the updates.

Each e-mail carries the invitation twice, as calendar apps want: a text/calendar; method=... part
(Gmail, Outlook, Apple Mail show "Accept / Decline") and an invite.ics attachment.
"""

from __future__ import annotations

import logging
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from activities.agenda.ics import Person, calendar_bytes, calendar_new, event_for
from activities.listeners import Change
from activities.models import Activity, ActivityType, EmailSettings, InvitationRecipient
from crm.models import Tenant, User
from crm.tenancy import tenant_scope

logger = logging.getLogger("activities.agenda")

LISTENER_NAME = "agenda.invitations"
OWN_UID_SUFFIX = "@crm"


def _organizer(activity: Activity) -> Person:
    sender = EmailSettings.objects.values_list("sender_address", flat=True).first()
    address = sender or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    owner = User.objects.filter(pk=activity.owner_id).first()
    return Person(email=address, name=owner.get_full_name() if owner else "")


def _attendees(activity: Activity) -> list[Person]:
    from accounts.models import Contact

    rows = (
        Contact.objects.filter(activity_links__activity_id=activity.pk)
        .exclude(email="")
        .order_by("id")
        .distinct()
    )
    people: dict[str, Person] = {}
    for contact in rows:
        people.setdefault(contact.email.lower(), Person(email=contact.email, name=str(contact)))
    return list(people.values())


def _send(
    *,
    tenant: Tenant,
    activity: Activity,
    method: str,
    organizer: Person,
    attendees: list[Person],
    to: list[Person],
) -> None:
    if not to:
        return
    calendar = calendar_new(name=tenant.name, time_zone=tenant.time_zone, method=method)
    calendar.add_component(
        event_for(
            activity,
            time_zone=tenant.time_zone,
            organizer=organizer,
            attendees=attendees,
            cancelled=method == "CANCEL",
        )
    )
    ics = calendar_bytes(calendar)
    with translation.override(tenant.language), timezone.override(tenant.time_zone):
        when = formats.date_format(timezone.localtime(activity.starts_at), "SHORT_DATETIME_FORMAT")
        if method == "CANCEL":
            subject = _("Cancelled: %(subject)s (%(when)s)") % {"subject": activity.subject, "when": when}
            intro = _("This meeting is cancelled.")
        else:
            subject = _("Invitation: %(subject)s (%(when)s)") % {"subject": activity.subject, "when": when}
            intro = _("You are invited to this meeting.")
        lines = [intro, "", activity.subject, _("When: %(when)s") % {"when": when}]
        if activity.location:
            lines.append(_("Where: %(where)s") % {"where": activity.location})
        lines.append(_("Organiser: %(name)s") % {"name": organizer.name or organizer.email})
        body = "\n".join(lines)
    sender = formataddr((organizer.name, organizer.email)) if organizer.name else organizer.email
    for person in to:
        message = EmailMultiAlternatives(subject=subject, body=body, from_email=sender, to=[person.email])
        message.attach_alternative(ics.decode(), f"text/calendar; method={method}; charset=utf-8")
        message.attach("invite.ics", ics, "application/ics")
        message.send()


def _is_ours(activity: Activity) -> bool:
    return activity.uid.endswith(OWN_UID_SUFFIX)


def invitations_on_change(activity: Activity, change: Change, actor: User | None) -> None:
    """The listener (registered from activities' ready())."""
    if not _is_ours(activity):
        return
    tenant = Tenant.objects.get(pk=activity.tenant_id)
    with tenant_scope(tenant):
        kind = ActivityType.objects.filter(pk=activity.type_id).values_list("kind", flat=True).first()
        if kind != ActivityType.Kind.MEETING:
            return
        is_upcoming = activity.starts_at > timezone.now()
        invited = {
            row.email.lower(): row
            for row in InvitationRecipient.objects.filter(
                activity_uid=activity.uid, cancelled_at__isnull=True
            )
        }
        organizer = _organizer(activity)
        if change == "deleted" or activity.status == Activity.Status.CANCELLED:
            if not is_upcoming or not invited:
                return
            people = [Person(email=row.email, name=row.name) for row in invited.values()]
            _send(
                tenant=tenant,
                activity=activity,
                method="CANCEL",
                organizer=organizer,
                attendees=people,
                to=people,
            )
            InvitationRecipient.objects.filter(pk__in=[row.pk for row in invited.values()]).update(
                cancelled_at=timezone.now(), sequence=activity.sequence
            )
            return
        if activity.status != Activity.Status.PLANNED or not is_upcoming:
            return
        attendees = _attendees(activity)
        current = {person.email.lower() for person in attendees}
        removed = [
            Person(email=row.email, name=row.name) for email, row in invited.items() if email not in current
        ]
        if removed:
            _send(
                tenant=tenant,
                activity=activity,
                method="CANCEL",
                organizer=organizer,
                attendees=removed,
                to=removed,
            )
            InvitationRecipient.objects.filter(
                activity_uid=activity.uid, email__in=[person.email for person in removed]
            ).update(cancelled_at=timezone.now(), sequence=activity.sequence)
        to = [
            person
            for person in attendees
            if person.email.lower() not in invited
            or invited[person.email.lower()].sequence < activity.sequence
        ]
        _send(
            tenant=tenant,
            activity=activity,
            method="REQUEST",
            organizer=organizer,
            attendees=attendees,
            to=to,
        )
        for person in to:
            InvitationRecipient.objects.update_or_create(
                activity_uid=activity.uid,
                email=person.email.lower(),
                defaults={
                    "name": person.name[:200],
                    "sequence": activity.sequence,
                    "sent_at": timezone.now(),
                    "cancelled_at": None,
                },
            )
