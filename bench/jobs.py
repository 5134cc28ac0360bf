"""The non-HTTP scenarios: the account import and the nightly duplicate scan, timed in this process.

The import goes through the services the import pages and the Celery task call (create, dry run,
start, claim, run), as the tenant administrator, into the main tenant: its duplicate checks run
against the whole data set. About 5% of its rows repeat a SIRET of the file and 5% one already in
the CRM, so the duplicate detection has work to do. The accounts it created are deleted afterwards,
so that every run measures the same data set.
"""

from __future__ import annotations

import hashlib
import string
import time

from django.utils import translation

from accounts.dedup.scan import duplicate_scan
from accounts.imports import services
from accounts.imports.models import ImportJob
from accounts.models import Account
from bench.base import Context, JobResult
from bench.database import BenchError
from crm.tenancy import tenant_scope
from governance import search

IMPORT_ROWS = {"tiny": 1_000, "small": 10_000, "large": 100_000}
DUPLICATE_EVERY = 20  # one row in 20 repeats a SIRET of the file, one in 20 an existing one
EXPECTED_CREATED = 0.8  # of the rows, at least
HEADER = "Raison sociale;SIRET;Site web;Forme juridique;Adresse;Code postal;Ville"
FORMS = ("SAS", "SARL", "SA", "EURL", "SCI")


def luhn_complete(digits: str) -> str:
    """`digits` followed by the check digit that makes the whole pass the Luhn test (SIREN, SIRET)."""
    total = 0
    for index, char in enumerate(reversed(digits + "0")):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


def run_siret(run: int, n: int) -> str:
    siren = luhn_complete(f"{(run * 7_000_003 + n * 7919) % 100_000_000:08d}")
    return luhn_complete(f"{siren}{n % 9000 + 1:04d}")


def made_up_name(n: int) -> str:
    digest = hashlib.sha256(str(n).encode()).digest()
    return "".join(string.ascii_lowercase[byte % 26] for byte in digest[:8]).capitalize()


def import_file(rows: int, *, run: int, existing: list[str]) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        if n % DUPLICATE_EVERY == 7 and n > DUPLICATE_EVERY:
            siret = run_siret(run, n - DUPLICATE_EVERY)  # repeats a row above
        elif n % DUPLICATE_EVERY == 13 and existing:
            siret = existing[n % len(existing)]  # already in the CRM
        else:
            siret = run_siret(run, n)
        name = f"{made_up_name(n + run)} {made_up_name(-n - run)}"
        postal_code = f"{n % 95 + 1:02d}{n // 95 % 100 * 10:03d}"
        lines.append(
            f"{name};{siret};www.{made_up_name(n).lower()}.fr;{FORMS[n % 5]};"
            f"{n % 200 + 1} rue de la Gare;{postal_code};Ville {n % 97}"
        )
    return "\n".join(lines).encode()


def import_job(context: Context) -> JobResult:
    rows = IMPORT_ROWS.get(context.profile, IMPORT_ROWS["tiny"])
    admin = context.memberships["tenant_admin"]
    run = int(time.time()) % 1_000_000
    with tenant_scope(context.tenant):
        existing = [
            siret
            for siret in Account.objects.exclude(siret="").order_by("?").values_list("siret", flat=True)[:500]
            if siret
        ]
    content = import_file(rows, run=run, existing=existing)
    with tenant_scope(context.tenant), translation.override("en"):
        job = services.import_create(
            tenant=context.tenant, actor=admin.user, filename="bench.csv", content=content, kind="accounts"
        )
    started = time.perf_counter()
    with tenant_scope(context.tenant):
        services.import_dry_run(job=job)
    checked = time.perf_counter()
    # What the "Import" button and the Celery task do: queue, claim, then run batch by batch.
    with tenant_scope(context.tenant):
        services.import_start(job=job)
    with tenant_scope(context.tenant):
        claimed = services.import_claim(job_id=job.pk)
    if claimed is None:
        raise BenchError("the import job could not be claimed")
    job = services.import_run(job=claimed)
    seconds = time.perf_counter() - started
    detail = (
        f"{job.created_count} created, {job.rejected_count} rejected, status {job.status}; "
        f"dry run {checked - started:.1f} s, run {seconds - (checked - started):.1f} s"
    )
    _remove_imported(context, job)
    if job.status != ImportJob.Status.DONE or job.processed_rows != rows:
        raise BenchError(f"the import did not complete: {detail}")
    # About one row in ten is a duplicate: far fewer accounts created means rows failed for another
    # reason, and the rows per second would measure rejections.
    if job.created_count < rows * EXPECTED_CREATED:
        reason = job.rejects[0]["reason"] if job.rejects else "?"
        raise BenchError(f"the import rejected too many rows ({detail}); first reason: {reason}")
    return JobResult(rows=rows, seconds=seconds, detail=detail)


def _remove_imported(context: Context, job: ImportJob) -> None:
    """Put the data set back as it was: the accounts this import created, their history and index."""
    with tenant_scope(context.tenant):
        created = Account.history.filter(  # type: ignore[attr-defined]
            history_type="+", history_date__gte=job.created_at
        ).values_list("id", flat=True)
        ids = sorted(set(created))
    for start in range(0, len(ids), 5_000):
        batch = ids[start : start + 5_000]
        with tenant_scope(context.tenant):
            search._delete("accounts.account", batch)  # unindex() in bulk
            Account.history.filter(id__in=batch).delete()  # type: ignore[attr-defined]
            Account.objects.filter(pk__in=batch).delete()


def duplicate_scan_job(context: Context) -> JobResult:
    with tenant_scope(context.tenant):
        total = Account.objects.count()
    started = time.perf_counter()
    with tenant_scope(context.tenant):
        counts = duplicate_scan()
    seconds = time.perf_counter() - started
    detail = ", ".join(f"{kind}: {count.found} pair(s)" for kind, count in counts.items())
    return JobResult(rows=total, seconds=seconds, detail=detail)
