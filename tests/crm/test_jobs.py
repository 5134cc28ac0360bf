"""Background jobs through the real broker to a real worker started by the test run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from crm.celery import app
from crm.models import JobRun, Membership, Tenant, User
from crm.roles import Role
from crm.tasks import health_check, tenant_probe
from crm.tenancy import tenant_scope
from tests.factories import MembershipFactory

BASE_DIR = Path(settings.BASE_DIR)


def worker_environment() -> dict[str, str]:
    database = connections["default"].settings_dict
    owner = connections["owner"].settings_dict
    env = dict(os.environ)

    def url(settings_dict: dict[str, Any]) -> str:
        credentials = f"{quote(settings_dict['USER'], safe='')}:{quote(settings_dict['PASSWORD'], safe='')}"
        host = settings_dict["HOST"] or "localhost"
        port = settings_dict["PORT"] or 5432
        if host.startswith("/"):  # a Unix-socket directory (the embedded PostgreSQL of ./dev)
            return f"postgres://{credentials}@:{port}/{quote(host, safe='')}/{database['NAME']}"
        return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"

    env["DATABASE_URL"] = url(database)
    env["DATABASE_OWNER_URL"] = url(owner)
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    return env


@pytest.fixture(scope="module")
def worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
        ],
        cwd=BASE_DIR,
        env=worker_environment(),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the worker exited with {process.returncode}")
            replies = app.control.ping(timeout=1)
            if replies:
                break
        else:
            pytest.fail("the worker did not answer a ping within 60 s")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def committed_tenant(django_db_blocker: Any) -> Iterator[Tenant]:
    """A tenant the worker can see: committed, not inside the test's transaction; removed afterwards."""
    with django_db_blocker.unblock():
        tenant = Tenant.objects.create(name="Worker SA", slug="worker-sa")
        with tenant_scope(tenant):
            MembershipFactory(tenant=tenant, role=Role.TENANT_ADMIN)
            MembershipFactory(tenant=tenant, role=Role.FINANCE)
        yield tenant
        with tenant_scope(tenant):
            JobRun.objects.all().delete()
            Membership.history.filter(tenant=tenant).delete()
            users = list(Membership.objects.values_list("user_id", flat=True))
            Membership.objects.all().delete()
            User.objects.filter(pk__in=users).delete()
            tenant.delete()


@pytest.mark.worker
def test_a_task_goes_through_the_real_broker_to_a_real_worker(worker: Any) -> None:
    result = health_check.delay()

    assert result.get(timeout=30) == {"database": "ok", "role_is_restricted": True}


@pytest.mark.worker
def test_a_tenant_task_runs_in_its_tenant_scope_and_does_its_work_once(
    worker: Any, committed_tenant: Tenant
) -> None:
    first = tenant_probe.delay(tenant_id=committed_tenant.pk, key="k1").get(timeout=30)
    again = tenant_probe.delay(tenant_id=committed_tenant.pk, key="k1").get(timeout=30)

    assert first == {"tenant": "worker-sa", "memberships": 2, "first_time": True}
    assert again == {"tenant": "worker-sa", "memberships": 2, "first_time": False}


@pytest.mark.django_db
def test_healthz_reports_database_and_broker() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_reports_a_broker_that_is_down(monkeypatch) -> None:
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}
