"""Auth signals feed the security audit log (the recording itself is a service)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from crm.models import User
from governance.models import SecurityEvent
from governance.services import security_event_record


@receiver(user_logged_in, dispatch_uid="governance.login_succeeded")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    security_event_record(kind=SecurityEvent.Kind.LOGIN_SUCCEEDED, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="governance.login_failed")
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    email = str(credentials.get("username", ""))
    # Linked to the user when the email is known, so that their tenant admins see the attempts.
    user = User.objects.filter(email__iexact=email).first() if email else None
    security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, request=request, email=email, user=user)


@receiver(user_logged_out, dispatch_uid="governance.logout")
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        security_event_record(kind=SecurityEvent.Kind.LOGOUT, request=request, user=user)


@receiver(user_locked_out, dispatch_uid="governance.locked_out")
def on_locked_out(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    security_event_record(kind=SecurityEvent.Kind.LOCKED_OUT, request=request, email=username or "")
