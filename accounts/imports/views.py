"""Import pages: upload, map and check, start, follow, download the rejected rows.

A member sees only the imports they started (another's answers 404, like another tenant's); the pages
open to whoever may import one of the registered kinds (`accounts.imports.registry`), and each job
needs the permission its kind names (accounts: add accounts; contacts: add contacts; leads: add leads).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.imports import registry, services
from accounts.imports.forms import MappingForm, UploadForm
from accounts.imports.models import ImportJob
from accounts.imports.tasks import import_run_task
from crm.http import TenantRequest

LIST_SIZE = 50


def _require_permission(request: TenantRequest) -> None:
    """The import pages: for whoever may import at least one kind."""
    if not registry.kinds_for(request.user):
        raise PermissionDenied


def _require_kind_permission(request: TenantRequest, job: ImportJob) -> None:
    if not registry.is_known(job.kind) or not registry.get(job.kind).may_import(request.user):
        raise PermissionDenied


def _job_or_404(request: TenantRequest, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk, created_by=request.user).defer("content").first()
    if job is None:
        raise Http404
    _require_kind_permission(request, job)
    return job


@login_required
@require_GET
def import_list(request: TenantRequest) -> HttpResponse:
    _require_permission(request)
    jobs = ImportJob.objects.filter(created_by=request.user).defer("content", "rejects")[:LIST_SIZE]
    context = {"jobs": jobs, "kinds": registry.kinds_for(request.user)}
    return render(request, "imports/import_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: TenantRequest) -> HttpResponse:
    _require_permission(request)
    kinds = registry.kinds_for(request.user)
    kind = request.GET.get("kind")
    initial = {"kind": kind if kind in {item.key for item in kinds} else kinds[0].key}
    form = UploadForm(request.POST or None, request.FILES or None, initial=initial, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if not registry.get(form.cleaned_data["kind"]).may_import(request.user):
            raise PermissionDenied
        try:
            job = services.import_create(
                tenant=request.tenant,
                actor=request.user,
                filename=upload.name or "",
                content=upload.read(),
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            for message in error.message_dict.get("file", error.messages):
                form.add_error("file", message)
        else:
            return HttpResponseRedirect(reverse("imports:import_mapping", args=[job.pk]))
    return render(request, "imports/import_upload.html", {"form": form, "kinds": kinds})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_mapping(request: TenantRequest, pk: int) -> HttpResponse:
    """Map the columns; "Check the file" records the mapping and shows the dry run's report."""
    _require_permission(request)
    job = ImportJob.objects.filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404
    _require_kind_permission(request, job)
    if job.status not in {ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED}:
        return HttpResponseRedirect(reverse("imports:import_detail", args=[job.pk]))
    form = MappingForm(request.POST or None, job=job)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            services.import_set_mapping(
                job=job, mapping=form.mapping(), mode=form.cleaned_data["mode"], actor=request.user
            )
            report = services.import_dry_run(job=job)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
    context = {"job": job, "form": form, "report": report}
    return render(request, "imports/import_mapping.html", context)


@login_required
@require_POST
def import_start(request: TenantRequest, pk: int) -> HttpResponse:
    _require_permission(request)
    job = _job_or_404(request, pk)
    if job.status != ImportJob.Status.VALIDATED:
        messages.error(request, _("Check the file before starting the import."))
        return HttpResponseRedirect(reverse("imports:import_mapping", args=[job.pk]))
    if services.import_start(job=job):
        tenant_id, job_id = request.tenant.pk, job.pk
        transaction.on_commit(lambda: import_run_task.delay(tenant_id=tenant_id, job_id=job_id))
        messages.success(request, _("The import has started."))
    return HttpResponseRedirect(reverse("imports:import_detail", args=[job.pk]))


@login_required
@require_GET
def import_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """The job's progress and report; htmx polls its progress fragment until the job finishes."""
    _require_permission(request)
    job = ImportJob.objects.filter(pk=pk, created_by=request.user).defer("content", "rejects").first()
    if job is None:
        raise Http404
    _require_kind_permission(request, job)
    # The rejected rows are read once the job is over, not on every poll.
    context = {"job": job, "rejects_preview": job.rejects[:20] if job.is_finished else []}
    if getattr(request, "htmx", False):
        return render(request, "imports/import_detail.html#progress", context)
    return render(request, "imports/import_detail.html", context)


@login_required
@require_GET
def import_rejects(request: TenantRequest, pk: int) -> HttpResponse:
    _require_permission(request)
    job = _job_or_404(request, pk)
    response = HttpResponse(services.import_rejects_csv(job=job), content_type="text/csv; charset=utf-8")
    stem = job.filename.rsplit(".", 1)[0] or "import"
    safe_stem = "".join(char if char.isalnum() or char in "-_" else "_" for char in stem)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe_stem}-rejects.csv"'
    return response
