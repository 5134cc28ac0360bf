"""The agenda's per-user settings: who may see my calendar, and my ICS feed's secret (a hash of it)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TenantOwnedModel


class CalendarSettings(TenantOwnedModel):
    class Sharing(models.TextChoices):
        PRIVATE = "private", _("Private: only me (and nobody sees details)")
        TEAM = "team", _("Team: my managers and my teams see my agenda")
        SHARED = "shared", _("Shared: everyone in the company sees my agenda")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    sharing = models.CharField(
        _("who sees my agenda"), max_length=10, choices=Sharing.choices, default=Sharing.TEAM
    )
    # The ICS feed: /ical/<tenant id>/<feed_id>/<secret>.ics; only a hash of the secret is stored.
    feed_id = models.CharField(max_length=16, blank=True, editable=False)
    feed_secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    feed_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("agenda settings")
        verbose_name_plural = _("agenda settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="activities_calendarsettings_user_unique")
        ]
        indexes = [models.Index(fields=["tenant", "feed_id"], name="activities_calset_feed_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    def new_feed_secret(self) -> str:
        """A new feed address (the old one stops working at once); returns the secret, shown once
        in the address."""
        secret = secrets.token_urlsafe(32)
        self.feed_id = secrets.token_hex(8)
        self.feed_secret_hash = self.hash_secret(secret)
        self.feed_created_at = timezone.now()
        return secret


class InvitationRecipient(TenantOwnedModel):
    """Who was sent an invitation to a meeting the CRM organises, at which SEQUENCE: so that an
    update reaches every attendee again, a removed attendee and a deleted meeting get their
    cancellation (the meeting's contact links are gone by then), and nothing is sent twice."""

    activity_uid = models.CharField(max_length=255)
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation recipient")
        verbose_name_plural = _("invitation recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "activity_uid", "email"], name="activities_invitation_recipient_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_uid} · {self.email}"
