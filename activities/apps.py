from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        # --- timeline part: pages, timelines, search, home widget, lead prerequisite, last activity ---
        from activities import timeline_setup

        timeline_setup.ready()
        # --- end of the timeline part ---
        # --- benchdemo: demo seeder (activities/demo.py) ---
        from activities import demo

        demo.ready()
        # --- end benchdemo ---
        # --- mailout (outbound e-mail): admin of templates and sender settings ---
        from activities.email import setup as mailout_setup

        mailout_setup.ready()
        # --- end mailout ---
        # --- mailin (inbound e-mail): navigation to the review queue ---
        from activities.email import inbound_setup

        inbound_setup.ready()
        # --- end mailin ---
        # --- agenda (activities.agenda): invitations listener, text/calendar mail hook, navigation ---
        from activities.agenda import setup as agenda_setup

        agenda_setup.ready()
        # --- end agenda ---
        # --- tasks, reminders and notifications (activities/task_setup.py) ---
        from activities import task_setup

        task_setup.ready()
        # --- end of tasks ---
