"""The one door for writing activities: create, update, delete. Every path (pages, API, inbound e-mail,
invitations, CalDAV) goes through it, so that its effects are never forgotten:

- the account is filled from the opportunity, lead's converted account or first contact when not given
  (an account's timeline is then one indexed range);
- a done call, e-mail or meeting stamps the lead's first contact (stopping its SLA) and moves the
  contacts', account's and opportunity's "last contact / last activity" forward;
- the change is announced to the listeners (invitations, CalDAV) once committed;
- history records who did it; global search indexes the subject.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import listeners
from activities.models import Activity, ActivityContact, ActivityType
from crm.history import set_history_user
from crm.models import User
from crm.tenancy import current_tenant
from governance import search

# Changes that attendees of a meeting must see again (ICS SEQUENCE grows).
SCHEDULE_FIELDS = frozenset({"starts_at", "duration_minutes", "all_day", "location", "status", "subject"})
CONTACT_KINDS = frozenset({ActivityType.Kind.CALL, ActivityType.Kind.EMAIL, ActivityType.Kind.MEETING})


def activity_types_ensure() -> list[ActivityType]:
    """The specification's eight types, created once per tenant (idempotent)."""
    tenant = current_tenant()
    existing = set(ActivityType.objects.values_list("code", flat=True))
    missing = [
        ActivityType(tenant=tenant, code=code, kind=kind, icon=icon, position=position)
        for position, (code, _label, kind, icon) in enumerate(ActivityType.DEFAULTS)
        if code not in existing
    ]
    if missing:
        ActivityType.objects.bulk_create(missing, ignore_conflicts=True)
    return list(ActivityType.objects.all())


def activity_type_default() -> ActivityType:
    """The type a new activity starts from (the first active one), creating the standard types for a
    tenant that has none yet."""
    found = ActivityType.objects.filter(is_active=True).order_by("position", "id").first()
    if found is None:
        activity_types_ensure()
        found = ActivityType.objects.filter(is_active=True).order_by("position", "id").first()
    if found is None:
        raise ValidationError(_("No active activity type: ask your administrator to add one."))
    return found


@dataclass
class ActivityInput:
    type: ActivityType
    subject: str
    owner: User
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    status: str = Activity.Status.DONE
    description: str = ""
    outcome: str = ""
    channel: str = ""
    location: str = ""
    all_day: bool = False
    is_private: bool = False
    account: Any = None
    lead: Any = None
    opportunity: Any = None
    contacts: Iterable[Any] = field(default_factory=list)
    uid: str = ""


def _fill_account(activity: Activity, contacts: list[Any]) -> None:
    if activity.account_id is not None:
        return
    if activity.opportunity is not None:
        activity.account_id = activity.opportunity.account_id
    elif activity.lead is not None and getattr(activity.lead, "converted_account_id", None):
        activity.account_id = activity.lead.converted_account_id
    elif contacts:
        activity.account_id = contacts[0].account_id


def _check(activity: Activity) -> None:
    if not activity.subject.strip():
        raise ValidationError({"subject": _("Give the activity a subject.")})
    if activity.duration_minutes is not None and activity.duration_minutes > 60 * 24 * 31:
        raise ValidationError({"duration_minutes": _("An activity lasts at most 31 days.")})


def _effects(activity: Activity, *, actor: User | None) -> None:
    """Stamps of a done call, e-mail or meeting that already happened: lead first contact, last
    contact of contacts and account, last activity of the opportunity (only ever moved forward)."""
    if activity.status != Activity.Status.DONE or activity.type.kind not in CONTACT_KINDS:
        return
    at = activity.starts_at
    if at > timezone.now():
        return
    if activity.lead_id is not None:
        from leads.models import Lead
        from leads.services.records import lead_log_first_contact

        lead = Lead.objects.get(pk=activity.lead_id)
        # An unqualified or converted lead keeps its history: the call is logged, nothing restarts.
        if lead.first_contacted_at is None and lead.is_open:
            lead_log_first_contact(lead=lead, actor=actor, at=at)
    contact_ids = list(activity.contact_links.values_list("contact_id", flat=True))
    if contact_ids:
        from accounts.models import Contact

        Contact.objects.filter(pk__in=contact_ids).filter(
            Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=at)
        ).update(last_contacted_at=at)
    if activity.account_id is not None:
        from accounts.models import Account

        Account.objects.filter(pk=activity.account_id).filter(
            Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=at)
        ).update(last_contacted_at=at)
    if activity.opportunity_id is not None:
        from opportunities.models import Opportunity

        # GREATEST ignores NULLs in PostgreSQL: a first activity sets it, an older one leaves it.
        Opportunity.objects.filter(pk=activity.opportunity_id).update(
            last_activity_at=Greatest(F("last_activity_at"), Value(at))
        )


def _set_contacts(activity: Activity, contacts: list[Any]) -> None:
    wanted = {contact.pk for contact in contacts}
    current = set(activity.contact_links.values_list("contact_id", flat=True))
    activity.contact_links.filter(contact_id__in=current - wanted).delete()
    ActivityContact.objects.bulk_create(
        [
            ActivityContact(tenant_id=activity.tenant_id, activity=activity, contact_id=pk)
            for pk in wanted - current
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def activity_create(*, data: ActivityInput, actor: User | None) -> Activity:
    contacts = list(data.contacts)
    activity = Activity(
        type=data.type,
        subject=data.subject.strip(),
        owner=data.owner,
        created_by=actor,
        starts_at=data.starts_at or timezone.now(),
        duration_minutes=data.duration_minutes,
        status=data.status,
        description=data.description,
        outcome=data.outcome,
        channel=data.channel,
        location=data.location,
        all_day=data.all_day,
        is_private=data.is_private,
        account=data.account,
        lead=data.lead,
        opportunity=data.opportunity,
        uid=data.uid,
    )
    _fill_account(activity, contacts)
    _check(activity)
    set_history_user(activity, actor=actor)
    activity.save()
    _set_contacts(activity, contacts)
    _effects(activity, actor=actor)
    search.index(activity)
    listeners.announce(activity, "created", actor)
    return activity


@transaction.atomic
def activity_update(
    *, activity: Activity, actor: User | None, contacts: Iterable[Any] | None = None, **changes: Any
) -> Activity:
    """Change fields (and the contacts when given). Raises ValidationError on bad values; bumps the
    version, and the ICS sequence when the schedule changed."""
    current = Activity.objects.select_for_update().select_related("type").get(pk=activity.pk)
    for name, value in changes.items():
        setattr(current, name, value)
    if SCHEDULE_FIELDS & changes.keys():
        current.sequence += 1
    if "duration_minutes" in changes and changes["duration_minutes"] is None:
        current.ends_at = None
    contact_list = list(contacts) if contacts is not None else None
    _fill_account(current, contact_list or [])
    _check(current)
    current.version = F("version") + 1  # type: ignore[assignment]
    current.updated_at = timezone.now()
    set_history_user(current, actor=actor)
    current.save()
    current.refresh_from_db()
    if contact_list is not None:
        _set_contacts(current, contact_list)
    _effects(current, actor=actor)
    search.index(current)
    listeners.announce(current, "updated", actor)
    return current


@transaction.atomic
def activity_delete(*, activity: Activity, actor: User | None) -> None:
    gone = Activity.objects.select_related("type").get(pk=activity.pk)
    set_history_user(gone, actor=actor)
    search.unindex(gone)
    pk = gone.pk
    gone.delete()
    gone.pk = pk  # listeners need to know which event to cancel
    listeners.announce(gone, "deleted", actor)
