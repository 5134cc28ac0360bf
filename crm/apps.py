from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Users and access")

    def ready(self) -> None:
        from crm import (
            checks,  # noqa: F401 - registers the system checks
            lookups,  # noqa: F401 - registers field__any_of
        )

        post_migrate.connect(lock_tenant_tables, dispatch_uid="crm.lock_tenant_tables")
        from django.contrib.auth.signals import user_logged_in

        from crm.middleware import mark_session_seen

        user_logged_in.connect(mark_session_seen, dispatch_uid="crm.mark_session_seen")


def lock_tenant_tables(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """After migrations (run by the owner role): RLS on every tenant table, DML grants for the app role."""
    from django.conf import settings
    from django.db import connections

    from crm.rls import apply_row_level_security, grant_application_role

    if sender.name != "crm":  # once per migrate run is enough; the crm app is always installed
        return
    connection = connections[using]
    apply_row_level_security(connection)
    grant_application_role(connection, settings.CRM_APP_DB_ROLE)
