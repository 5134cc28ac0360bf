"""Refuse to serve through a database role that row-level security does not bind."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connections


def privileged_role_problem() -> str | None:
    from crm.rls import inspect_role

    role = inspect_role(connections["default"])
    if role.is_safe:
        return None
    what = "a superuser" if role.is_superuser else "a role with BYPASSRLS"
    return (
        f"The application connects to PostgreSQL as {role.name!r}, {what}: row-level security would not "
        "isolate tenants. Connect DATABASE_URL as the application role (see README)."
    )


@register(Tags.database)
def check_database_role(app_configs: Any, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not databases or "default" not in databases:
        return []
    problem = privileged_role_problem()
    if problem is None:
        return []
    if settings.CRM_ALLOW_PRIVILEGED_DB_ROLE:
        return [
            Warning(
                problem, hint="CRM_ALLOW_PRIVILEGED_DB_ROLE is set: local experiments only.", id="crm.W001"
            )
        ]
    return [Error(problem, id="crm.E001")]


def refuse_privileged_role() -> None:
    """Startup check for web servers and workers."""
    problem = privileged_role_problem()
    if problem is None:
        return
    if settings.CRM_ALLOW_PRIVILEGED_DB_ROLE:
        banner = "!" * 78
        message = f"CRM_ALLOW_PRIVILEGED_DB_ROLE is set. {problem}\nNever do this in production."
        print(f"{banner}\n{message}\n{banner}")
        return
    raise ImproperlyConfigured(problem)
