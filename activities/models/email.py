"""E-mail (spec 2.3.1): the tenant's sender settings, templates with merge fields, and every message
sent from or received into the CRM. A message is stored once per tenant (Message-ID), threaded by
Message-ID / In-Reply-To / References, and linked to an e-mail activity when it matched a contact;
unmatched inbound messages wait in the review queue (status REVIEW)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantOwnedModel


class EmailSettings(TenantOwnedModel):
    """One row per tenant: who the CRM's e-mails come from, the signature, and the dropbox address
    people BCC or forward to (read from the mailbox the integrations app polls)."""

    sender_name = models.CharField(_("sender name"), max_length=120, blank=True)
    sender_address = models.EmailField(
        _("sender address"), blank=True, help_text=_("Leave empty to use the platform's address.")
    )
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    signature = models.TextField(_("signature"), blank=True)
    dropbox_address = models.EmailField(
        _("dropbox address"),
        blank=True,
        help_text=_("BCC or forward e-mails to this address: they are logged on the contacts' timelines."),
    )
    max_attachment_bytes = models.PositiveIntegerField(
        _("largest attachment kept (bytes)"), default=10 * 1024 * 1024
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("e-mail settings")
        verbose_name_plural = _("e-mail settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="activities_emailsettings_one_per_tenant")
        ]

    def __str__(self) -> str:
        return str(_("E-mail settings"))


class EmailTemplate(TenantOwnedModel):
    class Language(models.TextChoices):
        FRENCH = "fr", _("French")
        ENGLISH = "en", _("English")

    class Purpose(models.TextChoices):
        TRANSACTIONAL = "transactional", _("Transactional (allowed without marketing consent)")
        MARKETING = "marketing", _("Marketing (needs the contact's consent)")

    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Same code for the French and English variants.")
    )
    name = models.CharField(_("name"), max_length=120)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.TRANSACTIONAL
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(
        _("body"), help_text=_("Merge fields such as {{ contact.first_name }} are replaced.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "code", "language"], name="activities_emailtemplate_code_language_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_language_display()})"


class EmailMessage(TenantOwnedModel):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Received")
        OUTBOUND = "outbound", _("Sent")

    class Status(models.TextChoices):
        LOGGED = "logged", _("Logged")  # matched a contact, on the timelines
        REVIEW = "review", _("To review")  # inbound, no contact matched: the review queue
        DISCARDED = "discarded", _("Discarded")  # reviewed and dismissed
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        CRM = "crm", _("Sent from the CRM")
        DROPBOX = "dropbox", _("Dropbox (IMAP)")
        FILE = "file", _("File or command")

    activity = models.OneToOneField(
        "activities.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="email",
        verbose_name=_("activity"),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CRM)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = ArrayField(models.CharField(max_length=998), default=list, blank=True)
    # The Message-ID of the first message of the conversation.
    thread_key = models.CharField(_("thread"), max_length=998, blank=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    to_addresses = ArrayField(
        models.CharField(max_length=320), default=list, blank=True, verbose_name=_("to")
    )
    cc_addresses = ArrayField(
        models.CharField(max_length=320), default=list, blank=True, verbose_name=_("cc")
    )
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    sent_at = models.DateTimeField(_("date"), null=True, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    # Sanitised before it is stored (nh3): the page may show it as HTML.
    body_html = models.TextField(_("HTML"), blank=True)
    is_marketing = models.BooleanField(_("marketing"), default=False)
    template = models.ForeignKey(
        EmailTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("template"),
    )
    sent_by = models.ForeignKey(
        "crm.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    # Outbound (mailout): the records an e-mail was written from, kept on the message itself so that a
    # failed send (no activity yet) can be retried with the same links.
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead"),
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opportunity"),
    )
    quote = models.ForeignKey(
        "opportunities.Quote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quote"),
    )
    raw_size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    review_reason = models.CharField(_("reason"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "message_id"],
                condition=~Q(message_id=""),
                name="activities_email_message_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "thread_key"], name="activities_email_thread_idx"),
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(status="review"),
                name="activities_email_review_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id


class EmailAttachment(TenantOwnedModel):
    """An attachment kept within the tenant's size limit; larger ones are listed, not kept."""

    message = models.ForeignKey(EmailMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    content = models.BinaryField(null=True, blank=True)
    skipped_reason = models.CharField(_("not kept because"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["tenant", "message"], name="activities_attachment_msg_idx")]

    def __str__(self) -> str:
        return self.filename
