"""The Celery wrapper once, end to end: the sweep and the sync task through the real broker to a real
worker (started as tests/crm/test_jobs.py does), against a real Radicale server. The data is committed
(the worker cannot see a test's transaction) and removed afterwards."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from caldav.davclient import DAVClient
from django.conf import settings
from django.utils import timezone

from activities.models import Activity, ActivityType
from activities.services.records import ActivityInput, activity_create
from crm.celery import app
from crm.models import Membership, Tenant, User
from crm.roles import Role
from crm.tenancy import tenant_scope
from integrations.caldav.services import caldav_account_connect, caldav_calendar_choose
from integrations.models import CalDAVAccount, CalendarLink, SyncLogEntry
from integrations.tasks_caldav import caldav_sweep, caldav_sync
from tests.crm.test_jobs import worker_environment
from tests.factories import MembershipFactory
from tests.integrations.radicale_server import USERS, RadicaleServer, radicale_running


@pytest.fixture(scope="module")
def caldav_worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=settings.BASE_DIR,
        env=worker_environment(),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the worker exited with {process.returncode}")
            if app.control.ping(timeout=1):
                break
        else:
            pytest.fail("the worker did not answer a ping within 60 s")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path, settings: Any) -> Iterator[RadicaleServer]:
    settings.CALDAV_ALLOW_PRIVATE_ADDRESSES = True  # the test server is on 127.0.0.1
    yield from radicale_running(tmp_path)


@dataclass
class Committed:
    tenant: Tenant
    account: CalDAVAccount
    meeting: Activity


@pytest.fixture
def committed(django_db_blocker: Any, server: RadicaleServer) -> Iterator[Committed]:
    with django_db_blocker.unblock():
        tenant = Tenant.objects.create(name="Agenda SA", slug="agenda-worker")
        with tenant_scope(tenant):
            membership = MembershipFactory(tenant=tenant, role=Role.FIELD_SALES_REP)
            meeting_type = ActivityType.objects.create(code="meeting", kind=ActivityType.Kind.MEETING)
            connection = caldav_account_connect(
                user=membership.user,
                url=server.url,
                username="alice",
                password=USERS["alice"],
                is_active=True,
            )
            account = caldav_calendar_choose(
                account=connection.account, calendar_url="", actor=membership.user
            )
            meeting = activity_create(
                data=ActivityInput(
                    type=meeting_type,
                    subject="Rendez-vous par le worker",
                    owner=membership.user,
                    starts_at=timezone.now() + timedelta(days=1),
                    duration_minutes=45,
                    status=Activity.Status.PLANNED,
                ),
                actor=membership.user,
            )
        try:
            yield Committed(tenant=tenant, account=account, meeting=meeting)
        finally:
            with tenant_scope(tenant):
                SyncLogEntry.objects.all().delete()
                CalendarLink.objects.all().delete()
                CalDAVAccount.history.all().delete()
                CalDAVAccount.objects.all().delete()
                Activity.history.all().delete()
                Activity.objects.all().delete()
                ActivityType.history.all().delete()
                ActivityType.objects.all().delete()
                Membership.history.filter(tenant=tenant).delete()
                users = list(Membership.objects.values_list("user_id", flat=True))
                Membership.objects.all().delete()
                User.objects.filter(pk__in=users).delete()
                tenant.delete()


@pytest.mark.worker
def test_the_queued_sync_and_the_sweep_run_on_the_worker(
    caldav_worker: Any, committed: Committed, server: RadicaleServer, django_db_blocker: Any
) -> None:
    # given the calendar chosen and a meeting created, both committed: their commits queued a sync
    client = DAVClient(url=server.url, username="alice", password=USERS["alice"])
    calendar = client.calendar(url=committed.account.calendar_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not calendar.events():
        time.sleep(0.2)
    # then the worker put the meeting on the server
    (event,) = calendar.events()
    assert str(event.icalendar_component["UID"]) == committed.meeting.uid
    assert str(event.icalendar_component["SUMMARY"]) == "Rendez-vous par le worker"
    # when the account is due again, beat's sweep queues it (once)
    with django_db_blocker.unblock(), tenant_scope(committed.tenant):
        CalDAVAccount.objects.filter(pk=committed.account.pk).update(
            next_attempt_at=timezone.now() - timedelta(minutes=1)
        )
    assert caldav_sweep.delay(tenant_id=committed.tenant.pk).get(timeout=60) == [committed.account.pk]
    assert caldav_sweep.delay(tenant_id=committed.tenant.pk).get(timeout=60) == []
    # and a sync run after it (the worker takes tasks in order) has nothing left to do
    result = caldav_sync.delay(tenant_id=committed.tenant.pk, account_id=committed.account.pk).get(timeout=60)
    assert result == {"pushed": 0, "pulled": 0, "conflicts": 0, "rejected": 0, "error": "", "skipped": False}
    with django_db_blocker.unblock(), tenant_scope(committed.tenant):
        account = CalDAVAccount.objects.get(pk=committed.account.pk)
        assert account.events_pushed == 1
        assert account.last_success_at is not None
        assert account.last_error == ""
