from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        # --- mailin (dropbox mailbox polling): navigation to the mailbox status page ---
        from integrations.mail import setup as mailin_setup

        mailin_setup.ready()
        # --- end mailin ---
        # --- CalDAV calendar sync (integrations/caldav) ---
        from integrations.caldav import setup as caldav_setup

        caldav_setup.ready()
        # --- end CalDAV ---
