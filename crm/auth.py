from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from crm.models import User


class EmailBackend(ModelBackend):
    """Log in by email, case-insensitively. Permissions come from roles (governance), not from here."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = (username or kwargs.get("email") or "").strip()
        if not email or password is None:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            User().set_password(
                password
            )  # same work as a real check: no timing hint that the email is unknown
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The key axes counts failures under: the email as login compares it (trimmed, lower-case)."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    return str(value).strip().lower() if value else None
