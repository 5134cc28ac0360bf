"""What the agenda plugs into, called once from ActivitiesConfig.ready(): the invitations listener,
the inbound e-mail handler for text/calendar parts, and the navigation entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from activities.models import EmailMessage
    from crm.models import User


def calendar_part_received(message: EmailMessage, data: bytes, user: User | None) -> str | None:
    """An invitation (or cancellation) received by e-mail, attributed to a member: imported into
    their agenda like an uploaded file. A bad file is reported on the message, nothing written."""
    from activities.agenda.services import calendar_import
    from crm.models import Membership

    if user is None:
        return None
    membership = Membership.objects.filter(user=user, is_active=True).select_related("tenant", "user").first()
    if membership is None:
        return None
    with translation.override(membership.tenant.language):
        try:
            result = calendar_import(membership=membership, data=data, actor=user)
        except ValidationError as error:
            return _("Calendar invitation not imported: %(reasons)s") % {"reasons": " ".join(error.messages)}
        return result.summary()


def ready() -> None:
    from activities import listeners, mail_hooks
    from activities.agenda.home import today_context
    from activities.agenda.invitations import LISTENER_NAME, invitations_on_change
    from crm import home, navigation

    listeners.register(LISTENER_NAME, invitations_on_change)
    home.register(
        home.HomeWidget(template="activities/agenda/home_today.html", context=today_context, order=1)
    )
    mail_hooks.register_attachment_handler("text/calendar", calendar_part_received)
    mail_hooks.register_attachment_handler("application/ics", calendar_part_received)
    navigation.register(navigation.NavigationEntry("agenda:calendar", gettext_lazy("Agenda"), order=40))
    navigation.register(
        navigation.NavigationEntry(
            "agenda:settings", gettext_lazy("Agenda sharing and feed"), order=80, menu="user"
        )
    )
