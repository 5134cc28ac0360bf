from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        # --- tasks, reminders and notifications (activities/task_setup.py) ---
        from activities import task_setup

        task_setup.ready()
        # --- end of tasks ---
