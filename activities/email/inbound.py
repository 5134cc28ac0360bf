"""Inbound e-mail (spec 2.3.1): one RFC 5322 message in, stored once per tenant (Message-ID), logged on
the timelines of the contacts it concerns, or left in the review queue when no contact matched.

    result = email_ingest(raw=raw_bytes, source=EmailMessage.Source.DROPBOX)

- Matching: every address of From, To, Cc (and of the forwarded message's headers when a member
  forwarded a customer's mail) against the tenant's contacts, case-insensitively; the tenant's own users
  and the dropbox addresses never match.
- Direction: received when the sender is a contact; sent when the sender is one of the tenant's users
  (the BCC of a mail a rep sent). A forward takes the direction of the forwarded message.
- Idempotent: a second delivery of the same Message-ID changes nothing (outcome DUPLICATE); a message
  without Message-ID gets a stable one from the hash of its bytes.
- Threading: the first References id, else the thread of the In-Reply-To message when known, else the
  message's own id.
- Attachments are kept up to the tenant's limit each and TOTAL_ATTACHMENT_BYTES in all; larger ones are
  listed with the reason they were not kept. After the message is stored, each non-body part is offered to
  its handler (activities.mail_hooks); a handler's failure is written on the message, never raised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contact
from activities import mail_hooks
from activities.email.inbound_parse import ParsedMessage, UnreadableMessage, clamp_date, parse_message
from activities.models import ActivityType, EmailAttachment, EmailMessage, EmailSettings
from activities.services.records import ActivityInput, activity_create
from crm.models import Membership, User
from crm.tenancy import current_tenant

logger = logging.getLogger(__name__)

MAX_RAW_BYTES = 60 * 1024 * 1024
TOTAL_ATTACHMENT_BYTES = 25 * 1024 * 1024
SUBJECT_CHARS = 200


class Outcome:
    LOGGED = "logged"
    REVIEW = "review"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class MessageRejected(ValueError):
    """The message cannot be stored; `str(error)` is the translated reason."""


@dataclass
class IngestResult:
    outcome: str
    message: EmailMessage | None = None
    contacts: list[Contact] = field(default_factory=list)
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.outcome == Outcome.LOGGED:
            names = ", ".join(f"{contact} <{contact.email}>" for contact in self.contacts)
            return _("Logged on the contacts: %(names)s.") % {"names": names}
        if self.outcome == Outcome.REVIEW:
            return _("Sent to the review queue: %(reason)s.") % {"reason": self.reason}
        if self.outcome == Outcome.DUPLICATE:
            return _("Already received (same Message-ID): nothing changed.")
        return _("Rejected: %(reason)s.") % {"reason": self.reason}


def _members_by_address() -> tuple[dict[str, User], set[str]]:
    """The active members by address (who may own the activity), and every member's address, former
    members' too (never matched as a contact)."""
    memberships = list(Membership.objects.select_related("user"))
    active = {
        membership.user.email.lower(): membership.user
        for membership in memberships
        if membership.is_active and membership.user.is_active
    }
    return active, {membership.user.email.lower() for membership in memberships}


def _own_addresses(extra: list[str]) -> set[str]:
    addresses = {address.lower() for address in extra if address}
    settings_row = EmailSettings.objects.first()
    if settings_row is not None and settings_row.dropbox_address:
        addresses.add(settings_row.dropbox_address.lower())
    return addresses


def _matching_contacts(addresses: list[str]) -> list[Contact]:
    if not addresses:
        return []
    found: list[Contact] = list(
        Contact.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=addresses)
        .select_related("account", "owner")
        .order_by("pk")
    )
    position = {address: index for index, address in enumerate(addresses)}
    found.sort(key=lambda contact: (position.get(contact.email.lower(), len(addresses)), contact.pk))
    return found


def _thread_key(parsed: ParsedMessage) -> str:
    if parsed.references:
        return parsed.references[0]
    if parsed.in_reply_to:
        parent = (
            EmailMessage.objects.filter(message_id=parsed.in_reply_to)
            .values_list("thread_key", flat=True)
            .first()
        )
        if parent:
            return parent
    return parsed.message_id


def _store_parts(message: EmailMessage, parsed: ParsedMessage, limit: int) -> list[tuple[str, bytes]]:
    """The attachments (kept or listed); returns the kept parts offered to the handlers."""
    kept_total = 0
    rows = []
    offered: list[tuple[str, bytes]] = []
    for part in parsed.parts:
        size = len(part.content)
        reason = ""
        if size > limit:
            reason = _("too large (%(size)s, the limit is %(limit)s per attachment)") % {
                "size": filesizeformat(size),
                "limit": filesizeformat(limit),
            }
        elif kept_total + size > TOTAL_ATTACHMENT_BYTES:
            reason = _("the message's attachments exceed %(limit)s in all") % {
                "limit": filesizeformat(TOTAL_ATTACHMENT_BYTES)
            }
        else:
            kept_total += size
            offered.append((part.content_type, part.content))
        rows.append(
            EmailAttachment(
                tenant_id=message.tenant_id,
                message=message,
                filename=part.filename,
                content_type=part.content_type[:255],
                size=size,
                content=None if reason else part.content,
                skipped_reason=reason[:255],
            )
        )
    EmailAttachment.objects.bulk_create(rows)
    return offered


def _run_handlers(message: EmailMessage, offered: list[tuple[str, bytes]], user: User | None) -> list[str]:
    notes: list[str] = []
    errors: list[str] = []
    for content_type, content in offered:
        handler = mail_hooks.handler_for(content_type)
        if handler is None:
            continue
        try:
            with transaction.atomic():
                note = handler(message, content, user)
        except Exception as error:
            logger.warning(
                "inbound part handler for %s failed on message %s", content_type, message.pk, exc_info=True
            )
            errors.append(
                _("The %(type)s part could not be processed: %(error)s")
                % {"type": content_type, "error": error}
            )
            continue
        if note:
            notes.append(str(note))
    if errors:
        message.error = "\n".join([message.error, *errors]).strip()
        message.save(update_fields=["error"])
    return notes


def _email_type() -> ActivityType:
    """The tenant's standard "email" type (created when the tenant has none yet)."""
    found = ActivityType.objects.filter(code="email").first()
    if found is not None:
        return found
    for position, (code, _label, kind, icon) in enumerate(ActivityType.DEFAULTS):
        if code == "email":
            found, _created = ActivityType.objects.get_or_create(
                tenant=current_tenant(),
                code=code,
                defaults={"kind": kind, "icon": icon, "position": position},
            )
            return found
    raise LookupError("email")


def email_activity_create(
    message: EmailMessage,
    *,
    contacts: list[Contact],
    owner: User,
    description: str,
    at: datetime,
    actor: User | None,
) -> Any:
    """The e-mail activity of a stored message (type "email", done, on the contacts and the first
    contact's account)."""
    email_type = _email_type()
    subject = (message.subject or _("(no subject)"))[:SUBJECT_CHARS]
    return activity_create(
        data=ActivityInput(
            type=email_type,
            subject=subject,
            owner=owner,
            starts_at=at,
            description=description,
            channel="email",
            account=contacts[0].account if contacts else None,
            contacts=contacts,
        ),
        actor=actor,
    )


def _description(parsed: ParsedMessage) -> str:
    text = parsed.body_text.strip()
    if parsed.forwarded is not None and parsed.forwarded.body_text.strip():
        text = "\n\n".join(
            [text, _("---------- Forwarded message ----------"), parsed.forwarded.body_text.strip()]
        ).strip()
    return text


@transaction.atomic
def _store(
    parsed: ParsedMessage,
    *,
    source: str,
    max_attachment_bytes: int,
    own: set[str],
    members: dict[str, User],
    member_addresses: set[str],
) -> IngestResult:
    now = timezone.now()
    sender_user = members.get(parsed.from_address)
    forwarded = parsed.forwarded if sender_user is not None else None  # only a member's forward counts
    addresses = parsed.header_addresses
    if forwarded is not None:
        addresses = [*addresses, *[address for address in forwarded.addresses if address not in addresses]]
    candidates = [address for address in addresses if address not in own and address not in member_addresses]
    contacts = _matching_contacts(candidates)

    effective_sender = parsed.from_address
    if forwarded is not None and forwarded.from_address:
        effective_sender = forwarded.from_address
    direction = (
        EmailMessage.Direction.OUTBOUND
        if effective_sender in member_addresses
        else EmailMessage.Direction.INBOUND
    )
    sent_at = clamp_date(parsed.sent_at, now)
    if forwarded is not None and forwarded.sent_at is not None:
        sent_at = clamp_date(forwarded.sent_at, now)

    message = EmailMessage(
        direction=direction,
        status=EmailMessage.Status.LOGGED if contacts else EmailMessage.Status.REVIEW,
        source=source,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        thread_key=_thread_key(parsed),
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to_addresses=parsed.to_addresses,
        cc_addresses=parsed.cc_addresses,
        subject=parsed.subject,
        sent_at=sent_at,
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        sent_by=sender_user,
        raw_size=parsed.raw_size,
        created_at=now,
    )
    if not contacts:
        listed = ", ".join(candidates[:10]) + ("…" if len(candidates) > 10 else "")
        message.review_reason = (
            _("no known contact among %(addresses)s") % {"addresses": listed}
            if candidates
            else _("no address other than the company's own")
        )[:255]
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # delivered twice at the same moment: the other delivery stored it
        return IngestResult(
            outcome=Outcome.DUPLICATE, message=EmailMessage.objects.get(message_id=parsed.message_id)
        )
    offered = _store_parts(message, parsed, max_attachment_bytes)
    if contacts:
        owner = sender_user or contacts[0].owner
        message.activity = email_activity_create(
            message,
            contacts=contacts,
            owner=owner,
            description=_description(parsed),
            at=sent_at,
            actor=sender_user,
        )
        message.save(update_fields=["activity"])
    notes = _run_handlers(message, offered, sender_user)
    if contacts:
        return IngestResult(outcome=Outcome.LOGGED, message=message, contacts=contacts, notes=notes)
    return IngestResult(outcome=Outcome.REVIEW, message=message, reason=message.review_reason, notes=notes)


def email_ingest(*, raw: bytes, source: str, own_addresses: list[str] | None = None) -> IngestResult:
    """Store one message in the current tenant (inside tenant_scope). Never half-writes: a message is
    stored with its attachments and activity, or not at all. Bad input gives outcome REJECTED."""
    if len(raw) > MAX_RAW_BYTES:
        return IngestResult(
            outcome=Outcome.REJECTED,
            reason=_("the message is too large (%(size)s, at most %(limit)s)")
            % {"size": filesizeformat(len(raw)), "limit": filesizeformat(MAX_RAW_BYTES)},
        )
    try:
        parsed = parse_message(raw)
    except UnreadableMessage:
        return IngestResult(
            outcome=Outcome.REJECTED,
            reason=_("this is not a readable e-mail (no sender or recipient header)"),
        )
    existing = EmailMessage.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return IngestResult(outcome=Outcome.DUPLICATE, message=existing)
    settings_row = EmailSettings.objects.first()
    limit = settings_row.max_attachment_bytes if settings_row is not None else 10 * 1024 * 1024
    members, member_addresses = _members_by_address()
    try:
        return _store(
            parsed,
            source=source,
            max_attachment_bytes=limit,
            own=_own_addresses(own_addresses or []),
            members=members,
            member_addresses=member_addresses,
        )
    except ValidationError as error:
        return IngestResult(outcome=Outcome.REJECTED, reason=" ".join(error.messages))
