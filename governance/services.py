from __future__ import annotations

from django.http import HttpRequest

from crm.models import User
from governance.models import SecurityEvent


def security_event_record(
    *, kind: str, request: HttpRequest | None, email: str = "", user: User | None = None
) -> SecurityEvent:
    meta = request.META if request is not None else {}
    return SecurityEvent.objects.create(
        kind=kind,
        email=(email or (user.email if user else ""))[:254],
        user=user,
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=(meta.get("HTTP_USER_AGENT") or "")[:300],
    )
