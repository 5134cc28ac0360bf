"""Reading one RFC 5322 message (stdlib `email`, policy default): addresses, dates, identifiers, the text
and HTML bodies, the other parts (attachments, invitations), and the addresses of a forwarded message
(a message/rfc822 part, or best effort the "From:" / "De :" lines of a forward pasted in the text).

Nothing here touches the database; a message that cannot be read at all raises UnreadableMessage.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage as MimeMessage
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.utils import timezone

from activities.email.inbound_sanitize import html_to_text, sanitize_html

MAX_TEXT_CHARS = 200_000
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")
ADDRESS_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# The header lines of a forward pasted in the text: English, French, German, Spanish, Italian clients.
FORWARD_HEADER_RE = re.compile(
    r"^\s*>?\s*\**(From|De|Von|Da|To|À|A|Cc|An)\s*\**\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE
)
FORWARD_MARKER_RE = re.compile(
    r"(-{2,}\s*(Forwarded message|Message transféré|Original Message|Message d'origine|"
    r"Weitergeleitete Nachricht)\s*-{2,}|^Begin forwarded message:|^Début du message réexpédié)",
    re.IGNORECASE | re.MULTILINE,
)
OLDEST_DATE = datetime(1990, 1, 1, tzinfo=UTC)


class UnreadableMessage(ValueError):
    """Not an e-mail the CRM can store (the reason is shown to people: translated by the caller)."""


@dataclass
class Part:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Forwarded:
    from_address: str = ""
    from_name: str = ""
    addresses: list[str] = field(default_factory=list)
    subject: str = ""
    sent_at: datetime | None = None
    body_text: str = ""


@dataclass
class ParsedMessage:
    message_id: str
    in_reply_to: str
    references: list[str]
    from_address: str
    from_name: str
    to_addresses: list[str]
    cc_addresses: list[str]
    reply_to: list[str]
    subject: str
    sent_at: datetime | None
    body_text: str
    body_html: str
    parts: list[Part]
    forwarded: Forwarded | None
    raw_size: int
    defects: list[str] = field(default_factory=list)

    @property
    def header_addresses(self) -> list[str]:
        """Every address of From, To and Cc, lower case, in order, once."""
        return _unique([self.from_address, *self.to_addresses, *self.cc_addresses])


def _unique(addresses: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for address in addresses:
        if address:
            seen.setdefault(address.lower(), None)
    return list(seen)


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:
        value = None
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                value = raw
                break
    return " ".join(str(value).replace("\x00", "").split()) if value is not None else ""


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    values: list[str] = []
    for key, raw in message.raw_items():
        if key.lower() == name.lower():
            values.append(str(raw))
    found = []
    for display, address in getaddresses(values):
        address = address.strip().lower()
        if "@" in address and " " not in address and len(address) <= 320:
            found.append((" ".join(display.split())[:200], address))
    return found


def _message_ids(value: str) -> list[str]:
    return [found[:998] for found in MESSAGE_ID_RE.findall(value)]


def _date(value: str) -> datetime | None:
    """The Date header, or None when absent or unreadable; absurd dates are clamped by the caller."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def clamp_date(value: datetime | None, now: datetime) -> datetime:
    """A date before 1990 or more than a day ahead is a broken clock: the time it arrived instead."""
    if value is None or value < OLDEST_DATE or value > now + timedelta(days=1):
        return now
    return value


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        return str(content).replace("\r\n", "\n")
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError):
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return ""


def _leaves(part: Message) -> list[Message]:
    """The parts that are not containers, in order; a message/rfc822 part is one leaf."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        leaves: list[Message] = []
        for sub in part.get_payload():  # type: ignore[union-attr]
            if isinstance(sub, Message):
                leaves.extend(_leaves(sub))
        return leaves
    return [part]


def _bodies(message: Message) -> tuple[Message | None, Message | None]:
    text = html = None
    if isinstance(message, MimeMessage):
        try:
            text = message.get_body(preferencelist=("plain",))
            html = message.get_body(preferencelist=("html",))
        except (KeyError, ValueError, AttributeError):
            text = html = None
    if text is None and html is None and not message.is_multipart():
        subtype = message.get_content_subtype()
        if message.get_content_maintype() == "text" and subtype in ("plain", "html"):
            return (message, None) if subtype == "plain" else (None, message)
    return text, html


def _safe_filename(name: str, content_type: str, position: int) -> str:
    cleaned = "".join(char for char in name if char.isprintable() and char not in '/\\:*?"<>|').strip(" .")
    if not cleaned:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        cleaned = f"partie-{position}{extension}"
    return cleaned[-255:]


def _payload_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes(policy=policy.default)
        return part.as_bytes(policy=policy.default)
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _forwarded_from_part(part: Message) -> Forwarded | None:
    inner = part.get_payload()
    if not (isinstance(inner, list) and inner and isinstance(inner[0], Message)):
        return None
    original = inner[0]
    senders = _addresses(original, "from")
    everyone = [*senders, *_addresses(original, "to"), *_addresses(original, "cc")]
    text_part, html_part = _bodies(original)
    body = _text_of(text_part) if text_part is not None else ""
    if not body and html_part is not None:
        body = html_to_text(_text_of(html_part))
    return Forwarded(
        from_address=senders[0][1] if senders else "",
        from_name=senders[0][0] if senders else "",
        addresses=_unique([address for _name, address in everyone]),
        subject=_header(original, "subject")[:998],
        sent_at=_date(_header(original, "date")),
        body_text=body.replace("\x00", "")[:MAX_TEXT_CHARS],
    )


def _forwarded_from_text(text: str) -> Forwarded | None:
    """Best effort: the header block after a forward marker, as mail clients paste it."""
    marker = FORWARD_MARKER_RE.search(text)
    if marker is None:
        return None
    block = text[marker.end() : marker.end() + 3000]
    forwarded = Forwarded()
    addresses: list[str] = []
    for match in FORWARD_HEADER_RE.finditer(block):
        label, value = match.group(1).lower(), match.group(2)
        found = [address.lower() for address in ADDRESS_RE.findall(value)]
        if label in ("from", "de", "von", "da") and found and not forwarded.from_address:
            forwarded.from_address = found[0]
            forwarded.from_name = " ".join(value.split("<")[0].replace('"', "").split())[:200]
        addresses.extend(found)
    if not addresses:
        return None
    forwarded.addresses = _unique(addresses)
    return forwarded


def synthetic_message_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()}@sans-message-id.crm>"


def parse_message(raw: bytes) -> ParsedMessage:
    if not raw.strip():
        raise UnreadableMessage("empty")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not list(message.keys()):
        raise UnreadableMessage("no headers")
    senders = _addresses(message, "from") or _addresses(message, "sender")
    to = _addresses(message, "to")
    cc = _addresses(message, "cc")
    if not senders and not to and not cc:
        raise UnreadableMessage("no address")
    ids = _message_ids(_header(message, "message-id"))
    text_part, html_part = _bodies(message)
    body_text = _text_of(text_part) if text_part is not None else ""
    raw_html = _text_of(html_part) if html_part is not None else ""
    body_html = sanitize_html(raw_html)
    if not body_text.strip() and raw_html:
        body_text = html_to_text(raw_html)

    parts: list[Part] = []
    forwarded: Forwarded | None = None
    for position, leaf in enumerate(_leaves(message), start=1):
        if leaf is text_part or leaf is html_part:
            continue
        content_type = leaf.get_content_type()
        if content_type == "message/rfc822" and forwarded is None:
            forwarded = _forwarded_from_part(leaf)
        try:
            name = leaf.get_filename() or ""
        except (TypeError, ValueError, LookupError):
            name = ""
        if not name and content_type == "message/rfc822" and forwarded is not None:
            name = f"{forwarded.subject or 'message'}.eml"
        parts.append(Part(_safe_filename(name, content_type, position), content_type, _payload_bytes(leaf)))
    if forwarded is None:
        forwarded = _forwarded_from_text(body_text)

    return ParsedMessage(
        message_id=ids[0] if ids else synthetic_message_id(raw),
        in_reply_to=(_message_ids(_header(message, "in-reply-to")) or [""])[0],
        references=_message_ids(_header(message, "references"))[:100],
        from_address=senders[0][1] if senders else "",
        from_name=senders[0][0] if senders else "",
        to_addresses=_unique([address for _name, address in to])[:200],
        cc_addresses=_unique([address for _name, address in cc])[:200],
        reply_to=_unique([address for _name, address in _addresses(message, "reply-to")]),
        subject=_header(message, "subject")[:998],
        sent_at=_date(_header(message, "date")),
        body_text=body_text.replace("\x00", "")[:MAX_TEXT_CHARS],
        body_html=body_html.replace("\x00", "")[: MAX_TEXT_CHARS * 2],
        parts=parts,
        forwarded=forwarded,
        raw_size=len(raw),
        defects=[type(defect).__name__ for defect in message.defects],
    )
