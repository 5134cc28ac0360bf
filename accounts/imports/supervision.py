"""Watching running imports: is the author still allowed to import, and is the worker still alive.

- Before each batch the run asks `author_refusal()`: the rows are written as the person who started
  the import, with their rights of the moment; when they lost them (role, membership), the import
  stops and the rows not written are reported as not imported.
- Each batch beats `ImportJob.heartbeat_at` (in the batch's own transaction). A worker that dies
  mid-run (killed, out of memory, machine lost) leaves a running job whose heartbeat stops: the
  periodic sweep (`accounts.import_stalled_sweep_all`, every 5 minutes in CELERY_BEAT_SCHEDULE)
  marks it failed after STALLED_AFTER_MINUTES, with the reason the import page shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.imports import registry
from accounts.imports.models import ImportJob
from crm.models import Membership
from crm.tenancy import tenant_scope

# A batch of 500 rows takes seconds; a quarter of an hour without one means the worker is gone.
STALLED_AFTER_MINUTES = 15


def author_refusal(job: ImportJob) -> tuple[Membership | None, str]:
    """(the author's membership as it is now, "") when they may still run this import; otherwise
    (None, why not). Opens its own tenant scope."""
    with tenant_scope(job.tenant):
        membership = (
            Membership.objects.filter(user_id=job.created_by_id, is_active=True, user__is_active=True)
            .select_related("user", "tenant")
            .first()
            if job.created_by_id
            else None
        )
    if membership is None:
        return None, _("the person who started it is no longer a member of the company")
    # The permissions the kind names, by mode: creating needs "add", updating "change".
    kind = registry.get(job.kind)
    needed = []
    if job.mode != ImportJob.Mode.UPDATE:
        refusal = _("the person who started it no longer has the right to add %(what)s")
        needed.append((kind.add_permission, refusal))
    if job.mode != ImportJob.Mode.CREATE:
        refusal = _("the person who started it no longer has the right to change %(what)s")
        needed.append((kind.change_permission or kind.add_permission, refusal))
    with tenant_scope(job.tenant, membership=membership):
        for permission, refusal in needed:
            if not membership.user.has_perm(permission):
                return None, refusal % {"what": str(kind.label).lower()}
    return membership, ""


def import_fail_stalled(*, now: datetime | None = None) -> int:
    """Mark the current tenant's running imports without heartbeat for STALLED_AFTER_MINUTES as failed,
    each with its reason in its author's language. Returns how many. Idempotent; a job a live worker
    holds is skipped (its row lock), never failed under its feet."""
    limit = (now or timezone.now()) - timedelta(minutes=STALLED_AFTER_MINUTES)
    failed = 0
    with transaction.atomic():
        stalled = ImportJob.objects.select_for_update(skip_locked=True).filter(
            Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit),
            status=ImportJob.Status.RUNNING,
        )
        for job in stalled.only("pk", "processed_rows", "language"):
            with override(job.language):
                error = _(
                    "The import stopped: %(done)s rows done. Import the file again to import the rest."
                ) % {"done": job.processed_rows}
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED, finished_at=timezone.now(), error=error
            )
            failed += 1
    return failed
