import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

application = get_wsgi_application()

from crm.checks import refuse_privileged_role  # noqa: E402

refuse_privileged_role()
