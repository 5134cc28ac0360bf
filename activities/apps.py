from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        # --- agenda (activities.agenda): invitations listener, text/calendar mail hook, navigation ---
        from activities.agenda import setup as agenda_setup

        agenda_setup.ready()
        # --- end agenda ---
