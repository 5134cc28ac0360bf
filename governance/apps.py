from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from governance import receivers  # noqa: F401 - connects the audit receivers
        from governance.home import register_widgets

        register_widgets()
