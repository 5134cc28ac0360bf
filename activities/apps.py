from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        # --- mailout (outbound e-mail): admin of templates and sender settings ---
        from activities.email import setup as mailout_setup

        mailout_setup.ready()
        # --- end mailout ---
