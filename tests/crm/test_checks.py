"""The CRM refuses to serve through a database role that row-level security does not bind."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError

from crm import rls
from crm.checks import refuse_privileged_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    # What PostgreSQL would report for a superuser connection (CI's application role is not one).
    monkeypatch.setattr(rls, "inspect_role", lambda connection: rls.RoleReport("postgres", True, True))


def test_the_real_application_role_passes_the_checks() -> None:
    refuse_privileged_role()
    call_command("check", databases=["default"])


@pytest.mark.usefixtures("superuser_connection")
def test_a_superuser_connection_is_refused_at_start_up_and_by_the_system_check(settings) -> None:
    settings.CRM_ALLOW_PRIVILEGED_DB_ROLE = False

    with pytest.raises(ImproperlyConfigured, match="superuser"):
        refuse_privileged_role()
    with pytest.raises(SystemCheckError, match=r"crm\.E001"):
        call_command("check", databases=["default"])


@pytest.mark.usefixtures("superuser_connection")
def test_the_local_opt_out_is_loud(settings, capsys) -> None:
    settings.CRM_ALLOW_PRIVILEGED_DB_ROLE = True

    refuse_privileged_role()

    assert "Never do this in production" in capsys.readouterr().out


@pytest.mark.usefixtures("superuser_connection")
def test_check_tenancy_exits_non_zero_for_a_privileged_role() -> None:
    with pytest.raises(CommandError, match="tenancy gap"):
        call_command("check_tenancy")
