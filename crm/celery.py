import os
import sys

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_privileged_role(**kwargs: object) -> None:
    """A worker, whatever its pool, refuses to start on a role that row-level security does not bind."""
    import django

    django.setup()
    from django.core.exceptions import ImproperlyConfigured

    from crm.checks import refuse_privileged_role

    try:
        refuse_privileged_role()
    except ImproperlyConfigured as error:
        # Celery logs and swallows exceptions from signal handlers: leave for real.
        print(f"Refusing to start the worker: {error}", file=sys.stderr)
        raise SystemExit(1) from error
