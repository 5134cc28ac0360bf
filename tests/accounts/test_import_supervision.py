"""An import watched while it runs: it stops when its author loses the right to import, and a job whose
worker died is marked failed by the periodic sweep, with a reason the page shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.imports import parsing, services, supervision
from accounts.imports.models import ImportJob
from accounts.imports.tasks import import_stalled_sweep, import_stalled_sweep_all
from crm.models import Membership
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.test_imports import accounts_of, create_job

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FILE = b"Nom\nLot Un A\nLot Un B\nLot Deux A\nLot Deux B\nLot Trois A\n"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"role": Role.FINANCE}, "no longer has the right to add accounts"),
        ({"is_active": False}, "is no longer a member of the company"),
    ],
    ids=["role without the right", "membership ended"],
)
def test_an_import_stops_when_its_author_loses_the_right_mid_run(
    tenant, member, monkeypatch, change: dict, reason: str
) -> None:
    author = member(tenant, Role.FIELD_SALES_REP)
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    account_rows = services._account_rows

    def write_then_lose_the_right(job, chunk, **kwargs):
        outcomes = account_rows(job, chunk, **kwargs)
        if any(parsing.cell_text(cells[0]) == "Lot Un B" for _number, cells in chunk):
            Membership.objects.filter(pk=author.pk).update(**change)  # an admin acts during the first batch
        return outcomes

    monkeypatch.setattr(services, "_account_rows", write_then_lose_the_right)
    job = create_job(tenant, author, FILE)

    job = services.import_run(job=job)

    assert sorted(accounts_of(tenant)) == ["Lot Un A", "Lot Un B"]  # the first batch, nothing after
    assert job.status == ImportJob.Status.FAILED
    assert (job.processed_rows, job.created_count, job.rejected_count) == (5, 2, 3)
    assert reason in job.error
    assert "2 rows were done" in job.error
    assert [reject["row"] for reject in job.rejects] == [4, 5, 6]
    assert all(reason in reject["reason"] for reject in job.rejects)


def test_a_job_without_heartbeat_is_marked_failed_by_the_sweep_and_the_page_says_so(
    tenant, other_tenant, member
) -> None:
    author = member(tenant, Role.TENANT_ADMIN)
    foreign_author = member(other_tenant, Role.TENANT_ADMIN)
    long_ago = timezone.now() - timedelta(minutes=supervision.STALLED_AFTER_MINUTES + 1)
    just_now = timezone.now() - timedelta(minutes=1)
    jobs = {}
    for name, owner, beat in [("stalled", author, long_ago), ("alive", author, just_now)]:
        job = create_job(tenant, owner, FILE)
        with tenant_scope(tenant):
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.RUNNING, processed_rows=1000, heartbeat_at=beat, language="en"
            )
        jobs[name] = job
    foreign = create_job(other_tenant, foreign_author, FILE)
    with tenant_scope(other_tenant):
        ImportJob.objects.filter(pk=foreign.pk).update(status=ImportJob.Status.RUNNING, heartbeat_at=long_ago)

    failed = import_stalled_sweep(tenant_id=tenant.pk)
    again = import_stalled_sweep(tenant_id=tenant.pk)

    with tenant_scope(tenant):
        stalled = ImportJob.objects.get(pk=jobs["stalled"].pk)
        alive = ImportJob.objects.get(pk=jobs["alive"].pk)
    with tenant_scope(other_tenant):
        foreign_status = ImportJob.objects.get(pk=foreign.pk).status
    assert (failed, again) == (1, 0)
    assert (stalled.status, alive.status, foreign_status) == ("failed", "running", "running")
    assert stalled.finished_at is not None
    assert stalled.error == ("The import stopped: 1000 rows done. Import the file again to import the rest.")
    client = Client()
    client.force_login(author.user)
    page = client.get(f"/t/durand/imports/{stalled.pk}/", **ENGLISH).content.decode()
    assert "The import stopped: 1000 rows done." in page


def test_each_batch_beats_the_heartbeat(tenant, member) -> None:
    author = member(tenant, Role.TENANT_ADMIN)
    job = create_job(tenant, author, FILE)
    started = timezone.now()

    job = services.import_run(job=job)

    assert job.status == ImportJob.Status.DONE
    assert job.heartbeat_at is not None
    assert job.heartbeat_at >= started


def test_the_sweep_runs_from_beat_for_every_active_tenant(tenant, other_tenant, monkeypatch) -> None:
    queued: list[dict[str, int]] = []
    monkeypatch.setattr(import_stalled_sweep, "delay", lambda **kwargs: queued.append(kwargs))

    count = import_stalled_sweep_all()

    assert settings.CELERY_BEAT_SCHEDULE["accounts-import-stalled-sweep"]["task"] == (
        "accounts.import_stalled_sweep_all"
    )
    assert count == 2
    assert queued == [{"tenant_id": tenant.pk}, {"tenant_id": other_tenant.pk}]
