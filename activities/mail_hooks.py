"""What an inbound e-mail's parts may turn into besides the e-mail itself: handlers per content type,
registered by the part of the app that understands them (the agenda registers text/calendar: an
invitation received by e-mail becomes a meeting). The inbound pipeline calls them after the message is
stored; a handler's failure is logged on the message, never a crash of the poller."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from activities.models import EmailMessage
    from crm.models import User

# (the stored message, the part's bytes, the user the message is attributed to or None)
#   -> a short note of what was done (shown on the message), or None when nothing was done.
AttachmentHandler = Callable[["EmailMessage", bytes, "User | None"], "str | None"]

_handlers: dict[str, AttachmentHandler] = {}


def register_attachment_handler(content_type: str, handler: AttachmentHandler) -> None:
    _handlers[content_type.lower()] = handler


def handler_for(content_type: str) -> AttachmentHandler | None:
    return _handlers.get(content_type.lower().split(";")[0].strip())
