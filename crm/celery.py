import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _refuse_privileged_role(**kwargs: object) -> None:
    from crm.checks import refuse_privileged_role

    refuse_privileged_role()
