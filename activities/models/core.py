"""Activities: what happened (or is planned) with a customer: calls, e-mails, meetings, demos, visits,
notes. An activity relates to an account, contacts, a lead and an opportunity; the account is filled
from the contact, lead or opportunity when not given, so that an account's timeline is one indexed
range (`account_id`, newest first) whatever the activity was logged on.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Membership, TenantManager, TenantOwnedModel


class ActivityType(TenantOwnedModel):
    """The tenant's kinds of activity. The specification's eight are created for each tenant
    (`code` set, name translated); a tenant adds its own (name as typed)."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", _("Email")
        MEETING = "meeting", _("Meeting")
        NOTE = "note", _("Note")

    # code -> (label, kind, icon): created for every tenant (activities.services.activity_types_ensure).
    DEFAULTS: tuple[tuple[str, Any, str, str], ...] = (
        ("outbound_call", _("Outbound call"), Kind.CALL, "phone-outgoing"),
        ("inbound_call", _("Inbound call"), Kind.CALL, "phone-incoming"),
        ("email", _("Email"), Kind.EMAIL, "mail"),
        ("meeting", _("Meeting"), Kind.MEETING, "users"),
        ("demo", _("Demo"), Kind.MEETING, "presentation"),
        ("webinar", _("Webinar"), Kind.MEETING, "video"),
        ("field_visit", _("Field visit"), Kind.MEETING, "map-pin"),
        ("note", _("Note"), Kind.NOTE, "file-text"),
    )

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(
        _("name"),
        max_length=80,
        blank=True,
        help_text=_("Leave empty on a standard type: its name is translated."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NOTE)
    icon = models.CharField(_("icon"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="activities_activitytype_code_unique")
        ]

    def __str__(self) -> str:
        return str(self.label)

    # A character per icon name, shown before the type (no icon font: the CSP allows none from outside).
    GLYPHS: ClassVar[dict[str, str]] = {
        "phone-outgoing": "☎",
        "phone-incoming": "☏",
        "mail": "✉",
        "users": "◉",
        "presentation": "▶",
        "video": "▣",
        "map-pin": "⚑",
        "file-text": "✎",
    }
    KIND_GLYPHS: ClassVar[dict[str, str]] = {"call": "☎", "email": "✉", "meeting": "◉", "note": "✎"}

    @property
    def glyph(self) -> str:
        return self.GLYPHS.get(self.icon) or self.KIND_GLYPHS.get(str(self.kind), "•")

    @property
    def label(self) -> Any:
        """The tenant's name, or the standard type's translated name."""
        if self.name:
            return self.name
        for code, label, _kind, _icon in self.DEFAULTS:
            if code == self.code:
                return label
        return self.code


class ActivityQuerySet(models.QuerySet["Activity"]):
    def visible_to(self, membership: Membership) -> ActivityQuerySet:
        """An activity is visible when its related record is (account, lead or opportunity), unless it
        is private: then only its owner and the people above them see it. Built by
        activities.selectors.activity_visibility (one predicate, no loop over rows)."""
        from activities.selectors import activity_visibility

        return self.filter(activity_visibility(membership))


ActivityManager = TenantManager.from_queryset(ActivityQuerySet)


class Activity(TenantOwnedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        VIDEO = "video", _("Video call")
        IN_PERSON = "in_person", _("In person")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        NONE = "", _("(none)")
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        VOICEMAIL = "voicemail", _("Left a voicemail")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        INTERESTED = "interested", _("Interested")
        NOT_INTERESTED = "not_interested", _("Not interested")
        FOLLOW_UP = "follow_up", _("Follow-up needed")
        RESCHEDULED = "rescheduled", _("Rescheduled")

    class Visibility(models.TextChoices):
        # Calendar visibility of the event for colleagues who may see the owner's agenda.
        DEFAULT = "default", _("As my agenda setting")
        PRIVATE = "private", _("Private (others see “busy”)")

    type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="activities", verbose_name=_("type")
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DONE)
    starts_at = models.DateTimeField(_("date and time"), default=timezone.now)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    # starts_at + duration, kept by save(): the agenda asks for what overlaps a range.
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True, editable=False)
    all_day = models.BooleanField(_("all day"), default=False)
    location = models.CharField(_("location"), max_length=255, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_activities",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("account"),
    )
    contacts = models.ManyToManyField(
        "accounts.Contact",
        through="ActivityContact",
        blank=True,
        related_name="activities",
        verbose_name=_("contacts"),
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("lead"),
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("opportunity"),
    )
    is_private = models.BooleanField(
        _("private"), default=False, help_text=_("Only you and the people above you see a private activity.")
    )
    # Calendar identity (ICS feed, invitations, CalDAV): stable across updates; SEQUENCE grows with
    # each change that attendees must see.
    uid = models.CharField(_("calendar UID"), max_length=255, default="", blank=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ActivityManager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="activities_activity_ends_after_start",
            ),
        ]
        indexes = [
            # Timelines: newest first per record, keyset on (starts_at, id).
            models.Index(
                fields=["tenant", "account", "-starts_at", "-id"], name="activities_act_account_idx"
            ),
            models.Index(fields=["tenant", "lead", "-starts_at", "-id"], name="activities_act_lead_idx"),
            models.Index(
                fields=["tenant", "opportunity", "-starts_at", "-id"], name="activities_act_opportunity_idx"
            ),
            # The agenda and a user's figures: one owner's activities in a range.
            models.Index(fields=["tenant", "owner", "starts_at"], name="activities_act_owner_idx"),
            models.Index(fields=["tenant", "uid"], name="activities_act_uid_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.uid:
            self.uid = f"{uuid.uuid4()}@crm"
        if self.duration_minutes is not None and self.starts_at is not None:
            self.ends_at = self.starts_at + timedelta(minutes=self.duration_minutes)
        elif self.ends_at is not None and self.starts_at is not None and self.ends_at < self.starts_at:
            self.ends_at = self.starts_at
        super().save(*args, **kwargs)


class ActivityContact(TenantOwnedModel):
    """The contacts of an activity (a tenant-owned link table: row-level security holds it)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="activity_links")

    class Meta:
        verbose_name = _("activity contact")
        verbose_name_plural = _("activity contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "activity", "contact"], name="activities_activitycontact_unique"
            )
        ]
        indexes = [models.Index(fields=["tenant", "contact", "activity"], name="activities_actcontact_idx")]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.contact_id}"
