"""Sending an e-mail from a record (contact, lead, opportunity, quote), the one door for pages and API.

Sent synchronously, through Django's e-mail backend, with a short SMTP timeout (EMAIL_TIMEOUT, else
10 s): the person sees at once whether it left (a queue would hide an SMTP failure behind a "sent"
page, and a follow-up is one message, not a campaign: campaigns belong to the marketing app). The steps
keep nothing half-written:

1. checks (address, consent, merge fields): a refusal writes nothing and sends nothing;
2. the message is stored as "sending" with its Message-ID;
3. the SMTP exchange;
4. success: "sent" and the e-mail activity on the timelines, in one transaction; failure: "failed" with
   the server's error, no activity. A failed message is retried from its page (same Message-ID: the
   first attempt never left).

A tenant page runs in one transaction (the tenant scope sets PostgreSQL's row-level security for it), so
steps 2 to 4 commit together when the page answers; the atomic blocks here are savepoints then. The
API and any caller outside a request get the same order.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.email.templates import (
    Recipient,
    merge_context,
    merge_fields_check,
    render_text,
    text_to_html,
)
from activities.models import Activity, ActivityType, EmailMessage, EmailSettings, EmailTemplate
from activities.services.records import ActivityInput, activity_create, activity_types_ensure
from crm.models import User

SMTP_TIMEOUT_SECONDS = 10
MAX_CC = 10
MARKETING_PURPOSE = "marketing_email"  # accounts.Consent.Purpose.MARKETING_EMAIL, leads.LeadConsent too


class SendFailed(Exception):
    """The mail server refused the message or could not be reached; the message is stored as failed."""

    def __init__(self, message: EmailMessage, user_message: str) -> None:
        super().__init__(user_message)
        self.message = message
        self.user_message = user_message


@dataclass
class Links:
    """The records an e-mail is written from. The recipient is the contact, else the lead."""

    contact: Any = None
    lead: Any = None
    opportunity: Any = None
    quote: Any = None
    completed: bool = False

    def complete(self) -> Links:
        """A quote brings its opportunity and addressee, an opportunity its primary contact (once: a
        contact the caller then dropped, as invisible to them, is not brought back)."""
        if self.completed:
            return self
        self.completed = True
        if self.quote is not None:
            if self.opportunity is None:
                self.opportunity = self.quote.opportunity
            if self.contact is None and self.quote.contact_id:
                self.contact = self.quote.contact
        if self.opportunity is not None and self.contact is None and self.opportunity.primary_contact_id:
            self.contact = self.opportunity.primary_contact
        if self.contact is None and self.lead is not None and self.lead.converted_contact_id:
            self.contact = self.lead.converted_contact
        return self

    @property
    def recipient_record(self) -> Any:
        return self.contact if self.contact is not None else self.lead

    @property
    def account(self) -> Any:
        if self.contact is not None:
            return self.contact.account
        if self.opportunity is not None:
            return self.opportunity.account
        return None


def email_settings() -> EmailSettings | None:
    return EmailSettings.objects.first()


def recipient_of(links: Links) -> Recipient | None:
    record = links.recipient_record
    return Recipient.of(record) if record is not None else None


def context_for(*, links: Links, sender: User | None) -> dict[str, str]:
    return merge_context(
        recipient=recipient_of(links),
        account=links.account,
        account_name=getattr(links.lead, "company_name", "") if links.account is None else "",
        opportunity=links.opportunity,
        quote=links.quote,
        sender=sender,
        settings=email_settings(),
    )


def template_render(*, template: EmailTemplate, links: Links, sender: User | None) -> tuple[str, str]:
    """The template's subject and body with the merge fields of these records."""
    context = context_for(links=links, sender=sender)
    return render_text(template.subject, context), render_text(template.body, context)


def has_marketing_consent(links: Links) -> bool:
    """A granted marketing e-mail consent of the recipient (the contact's, or the lead's)."""
    if links.contact is not None:
        from accounts.models import Consent

        return Consent.objects.filter(
            contact_id=links.contact.pk, purpose=MARKETING_PURPOSE, status=Consent.Status.GRANTED
        ).exists()
    if links.lead is not None:
        from leads.models import LeadConsent

        return LeadConsent.objects.filter(
            lead_id=links.lead.pk, purpose=MARKETING_PURPOSE, status="granted"
        ).exists()
    return False


def email_send_check(*, links: Links, is_marketing: bool) -> str:
    """The recipient's address, or ValidationError when the e-mail may not be sent.

    Contacts carry only a do-not-call flag (phone prospecting): nothing forbids e-mail as such, so the
    marketing e-mail consent decides. A marketing e-mail needs it granted; a transactional one (a quote
    follow-up, a meeting confirmation) does not, as the law allows it for an ongoing business relation.
    """
    record = links.recipient_record
    if record is None:
        raise ValidationError(_("Choose a contact or a lead to write to."))
    if not record.email:
        raise ValidationError(_("%(name)s has no e-mail address.") % {"name": record})
    if is_marketing and not has_marketing_consent(links):
        raise ValidationError(
            _(
                "%(name)s has not agreed to receive marketing e-mails: use a transactional template, "
                "or record their consent first."
            )
            % {"name": record}
        )
    return str(record.email)


def _clean_cc(cc: list[str]) -> list[str]:
    addresses = [address.strip() for address in cc if address and address.strip()]
    if len(addresses) > MAX_CC:
        raise ValidationError({"cc": _("At most %(count)s addresses in copy.") % {"count": MAX_CC}})
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {"cc": _("“%(address)s” is not a valid e-mail address.") % {"address": address}}
            ) from None
    return addresses


def _sender(settings_row: EmailSettings | None) -> tuple[str, str]:
    """(display name, address) of the From header: the tenant's, else the platform's. The name is
    one line (a line break in a header is refused by Django: the send would crash, not fail)."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if settings_row is not None and settings_row.sender_address:
        name, address = settings_row.sender_name, settings_row.sender_address
    elif settings_row is not None and settings_row.sender_name:
        name = settings_row.sender_name
    return " ".join(name.split()), address


def with_signature(body: str, signature: str) -> str:
    """The tenant's signature below the body (RFC 3676 separator), unless the body already has it."""
    signature = signature.strip()
    if not signature or signature in body:
        return body
    return f"{body.rstrip()}\n\n-- \n{signature}"


@dataclass
class OutboundInput:
    links: Links
    subject: str
    body: str
    template: EmailTemplate | None = None
    is_marketing: bool = False
    cc: list[str] = field(default_factory=list)


@transaction.atomic
def _store(*, data: OutboundInput, to: str, cc: list[str], actor: User) -> EmailMessage:
    settings_row = email_settings()
    from_name, from_address = _sender(settings_row)
    domain = from_address.rpartition("@")[2] or None
    body = with_signature(data.body, settings_row.signature if settings_row else "")
    message_id = make_msgid(domain=domain)
    return EmailMessage.objects.create(
        direction=EmailMessage.Direction.OUTBOUND,
        status=EmailMessage.Status.SENDING,
        source=EmailMessage.Source.CRM,
        message_id=message_id,
        thread_key=message_id,
        from_address=from_address,
        from_name=from_name,
        to_addresses=[to],
        cc_addresses=cc,
        subject=data.subject,
        body_text=body,
        body_html=text_to_html(body),
        is_marketing=data.is_marketing,
        template=data.template,
        sent_by=actor,
        contact=data.links.contact,
        lead=data.links.lead,
        opportunity=data.links.opportunity,
        quote=data.links.quote,
    )


def _reply_to(message: EmailMessage, settings_row: EmailSettings | None) -> list[str]:
    if settings_row is not None and settings_row.reply_to:
        return [settings_row.reply_to]
    if message.sent_by is not None and message.sent_by.email:
        return [message.sent_by.email]
    return []


def _smtp_send(message: EmailMessage) -> None:
    settings_row = email_settings()
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=formataddr((message.from_name, message.from_address)),
        to=list(message.to_addresses),
        cc=list(message.cc_addresses),
        reply_to=_reply_to(message, settings_row),
        headers={"Message-ID": message.message_id},
        connection=get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT_SECONDS),
    )
    mail.attach_alternative(message.body_html, "text/html")
    mail.send(fail_silently=False)


def _email_type() -> ActivityType:
    return next(item for item in activity_types_ensure() if item.code == "email")


def _label(is_marketing: bool) -> str:
    return _("Marketing") if is_marketing else _("Transactional")


@transaction.atomic
def _log_sent(*, message: EmailMessage, actor: User) -> EmailMessage:
    """The message is sent: its status, and the e-mail activity on the records' timelines."""
    email_type = _email_type()
    sent_at = timezone.now()
    subject = f"[{_label(message.is_marketing)}] {message.subject}"
    activity = activity_create(
        data=ActivityInput(
            type=email_type,
            subject=subject[:200],
            owner=message.sent_by or actor,
            starts_at=sent_at,
            status=Activity.Status.DONE,
            channel=Activity.Channel.EMAIL,
            description=message.body_text,
            account=message.contact.account if message.contact is not None else None,
            lead=message.lead,
            opportunity=message.opportunity,
            contacts=[message.contact] if message.contact is not None else [],
        ),
        actor=actor,
    )
    message.status = EmailMessage.Status.SENT
    message.sent_at = sent_at
    message.error = ""
    message.activity = activity
    message.save(update_fields=["status", "sent_at", "error", "activity"])
    return message


def _deliver(*, message: EmailMessage, actor: User) -> EmailMessage:
    try:
        _smtp_send(message)
    except (smtplib.SMTPException, OSError) as error:
        message.status = EmailMessage.Status.FAILED
        message.error = f"{type(error).__name__}: {error}"[:2000]
        message.save(update_fields=["status", "error"])
        raise SendFailed(
            message,
            _(
                "The e-mail could not be sent: the mail server did not accept it or could not be "
                "reached. It is kept as failed: try again from its page in a moment."
            ),
        ) from error
    return _log_sent(message=message, actor=actor)


def email_send(*, data: OutboundInput, actor: User) -> EmailMessage:
    """Check, store, send and log one e-mail (see the module's docstring). Raises ValidationError when
    it may not be sent (nothing written), SendFailed when the server failed (stored as failed)."""
    links = data.links.complete()
    to = email_send_check(links=links, is_marketing=data.is_marketing)
    cc = _clean_cc(data.cc)
    subject = " ".join(data.subject.split())  # one line: no header injection, no folded subjects
    if not subject:
        raise ValidationError({"subject": _("Give the e-mail a subject.")})
    if not data.body.strip():
        raise ValidationError({"body": _("Write the e-mail's text.")})
    data.subject = subject[:998]
    message = _store(data=data, to=to, cc=cc, actor=actor)
    return _deliver(message=message, actor=actor)


def email_retry(*, message: EmailMessage, actor: User) -> EmailMessage:
    """Send a failed message again (the same Message-ID: the first attempt never left). The consent
    is checked again: it may have been withdrawn since."""
    if message.status != EmailMessage.Status.FAILED:
        raise ValidationError(_("Only an e-mail that failed can be sent again."))
    links = Links(
        contact=message.contact, lead=message.lead, opportunity=message.opportunity, quote=message.quote
    )
    email_send_check(links=links, is_marketing=message.is_marketing)
    # Claim it: two clicks on "try again" send it once.
    claimed = EmailMessage.objects.filter(pk=message.pk, status=EmailMessage.Status.FAILED).update(
        status=EmailMessage.Status.SENDING
    )
    if not claimed:
        raise ValidationError(_("Only an e-mail that failed can be sent again."))
    message.refresh_from_db()
    return _deliver(message=message, actor=actor)


def email_compose_render(*, subject: str, body: str, links: Links, sender: User) -> tuple[str, str]:
    """Merge fields in a subject and body typed by hand (API): the whitelist only, checked first."""
    merge_fields_check(subject=subject, body=body)
    context = context_for(links=links.complete(), sender=sender)
    return render_text(subject, context), render_text(body, context)
