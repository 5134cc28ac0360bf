"""Raw e-mails for the inbound tests, built with the stdlib (the bytes a mail server would deliver)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any


def make_mail(
    *,
    sender: str = "Alice Client <alice@client.example>",
    to: str = "rep@durand.example",
    cc: str = "",
    subject: str = "Votre devis",
    text: str = "Bonjour,\nvoici notre demande.",
    html: str = "",
    message_id: str | None = "",
    in_reply_to: str = "",
    references: str = "",
    date: datetime | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    forwarded: bytes | None = None,
    extra_headers: dict[str, Any] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    if message_id is not None:
        message["Message-ID"] = message_id or make_msgid(domain="client.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (extra_headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content_type, content in attachments or []:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    if forwarded is not None:
        from email import message_from_bytes, policy

        message.add_attachment(message_from_bytes(forwarded, policy=policy.default))
    return message.as_bytes(policy=SMTP)
