"""Integrations that talk to other servers on behalf of a tenant or a user: the inbound e-mail
mailbox (IMAP, polled by Celery) and CalDAV calendar accounts (two-way sync). Passwords are encrypted
at rest (crm.secretbox). Each keeps its sync state visible: last run, counts, last error, and when it
will try again (exponential backoff after failures)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantOwnedModel

SYNC_STATE_FIELDS = [
    "last_run_at",
    "last_success_at",
    "last_error",
    "last_error_at",
    "consecutive_failures",
    "next_attempt_at",
]


class SyncState(models.Model):
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Mailbox(SyncState, TenantOwnedModel):
    """The tenant's dropbox: an IMAP mailbox whose new messages are logged on timelines."""

    name = models.CharField(_("name"), max_length=120)
    address = models.EmailField(_("dropbox address"), help_text=_("The address people BCC or forward to."))
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("SSL/TLS"), default=True)
    username = models.CharField(_("user name"), max_length=255)
    password_encrypted = models.TextField(editable=False, blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    is_active = models.BooleanField(_("active"), default=True)
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    messages_imported = models.PositiveIntegerField(_("messages imported"), default=0, editable=False)
    messages_rejected = models.PositiveIntegerField(_("messages rejected"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            *SYNC_STATE_FIELDS,
            "uid_validity",
            "last_uid",
            "messages_imported",
            "messages_rejected",
        ]
    )

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "address"], name="integrations_mailbox_address_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class CalDAVAccount(SyncState, TenantOwnedModel):
    """A user's CalDAV calendar: CRM meetings are pushed there, changes made there come back."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    url = models.URLField(_("CalDAV address"), max_length=500)
    username = models.CharField(_("user name"), max_length=255)
    password_encrypted = models.TextField(editable=False, blank=True)
    calendar_url = models.URLField(_("calendar"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sync_token = models.TextField(blank=True, editable=False)
    events_pushed = models.PositiveIntegerField(_("events sent"), default=0, editable=False)
    events_pulled = models.PositiveIntegerField(_("events received"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = HistoricalRecords(
        excluded_fields=[*SYNC_STATE_FIELDS, "sync_token", "events_pushed", "events_pulled"]
    )

    class Meta:
        verbose_name = _("CalDAV account")
        verbose_name_plural = _("CalDAV accounts")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="integrations_caldav_user_unique")
        ]

    def __str__(self) -> str:
        return self.url


class CalendarLink(TenantOwnedModel):
    """One CRM activity as one event on one CalDAV calendar."""

    account = models.ForeignKey(CalDAVAccount, on_delete=models.CASCADE, related_name="links")
    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="calendar_links"
    )
    href = models.CharField(max_length=1000)
    etag = models.CharField(max_length=255, blank=True)
    remote_last_modified = models.DateTimeField(null=True, blank=True)
    # The activity's version last sent to or read from the server: a higher local version means the
    # CRM changed it since.
    synced_version = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "href"], name="integrations_calendarlink_href_unique"
            )
        ]
        indexes = [models.Index(fields=["tenant", "activity"], name="integrations_callink_act_idx")]

    def __str__(self) -> str:
        return self.href


class SyncLogEntry(TenantOwnedModel):
    """What a sync did, one line per event: created, updated, deleted, conflict (and who won), error."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")
        CONFLICT = "conflict", _("Conflict")
        ERROR = "error", _("Error")
        REJECTED = "rejected", _("Rejected")

    class Direction(models.TextChoices):
        TO_SERVER = "push", _("CRM → server")
        FROM_SERVER = "pull", _("Server → CRM")
        INBOUND_MAIL = "mail", _("Inbound e-mail")

    kind = models.CharField(max_length=16)  # "caldav" or "mailbox"
    object_id = models.PositiveBigIntegerField()  # the CalDAVAccount or Mailbox
    at = models.DateTimeField(default=timezone.now)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    activity = models.ForeignKey(
        "activities.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("sync log entry")
        verbose_name_plural = _("sync log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "kind", "object_id", "-at"], name="integrations_synclog_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.action}"
