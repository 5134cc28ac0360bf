from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from crm.models import User
from crm.trees import would_make_a_loop
from governance.models import SecurityEvent, Team, Territory


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


def team_check_parent(*, team: Team, parent: Team | None) -> None:
    """A team cannot sit below itself or below one of its own sub-teams."""
    if would_make_a_loop(team, parent, "parent"):
        raise ValidationError({"parent": _("A team cannot be placed below itself or one of its sub-teams.")})


def territory_check_parent(*, territory: Territory, parent: Territory | None) -> None:
    """A territory cannot sit below itself or below one of its own sub-territories."""
    if would_make_a_loop(territory, parent, "parent"):
        raise ValidationError(
            {"parent": _("A territory cannot be placed below itself or one of its sub-territories.")}
        )
