from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        # --- mailin (inbound e-mail): navigation to the review queue ---
        from activities.email import inbound_setup

        inbound_setup.ready()
        # --- end mailin ---
