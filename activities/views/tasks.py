"""Task pages: my tasks (overdue, today, upcoming, done recently), detail with history, create, edit,
complete and reopen (POST, htmx-friendly: an htmx request gets the row back, others a redirect).

A task the member may not see answers 404; one they see but may not change answers 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities import task_selectors
from activities.models import Task
from activities.services import tasks as services
from activities.task_forms import TaskForm
from crm.history_display import history_entries
from crm.http import TenantRequest
from crm.models import User


def _require_view(request: TenantRequest) -> None:
    if not request.user.has_perm("activities.view_task"):
        raise PermissionDenied


def _task_or_404(request: TenantRequest, pk: int) -> Task:
    _require_view(request)
    try:
        return task_selectors.task_get(membership=request.membership, pk=pk)
    except Task.DoesNotExist:
        raise Http404 from None


def may_change(request: TenantRequest, task: Task) -> bool:
    """A visible task: its assignee and its creator always; others (the managers above the assignee)
    when their role changes activities."""
    user_id = request.user.pk
    return (
        task.assignee_id == user_id
        or task.created_by_id == user_id
        or request.user.has_perm("activities.change_task")
    )


def _require_change(request: TenantRequest, task: Task) -> None:
    if not may_change(request, task):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD"])
def my_tasks(request: TenantRequest) -> HttpResponse:
    _require_view(request)
    team_users = list(services.assignable_users(request.membership))
    team_ids = {user.pk for user in team_users} | {request.user.pk}
    sections = task_selectors.my_tasks(
        membership=request.membership, filters=request.GET, team_user_ids=team_ids
    )
    context: dict[str, Any] = {
        "sections": [
            ("overdue", _("Overdue"), sections.overdue),
            ("today", _("Today"), sections.today),
            ("upcoming", _("Upcoming"), sections.upcoming),
        ],
        "done_recently": sections.done_recently,
        "team": [user for user in team_users if user.pk != request.user.pk],
        "kinds": Task.Kind.choices,
        "priorities": Task.Priority.choices,
        "query": request.GET,
        "is_filtered": any(request.GET.get(name) for name in ("assignee", "kind", "priority")),
        "may_add": request.user.has_perm("activities.add_task"),
        "now": timezone.now(),
    }
    return render(request, "activities/tasks/my_tasks.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def task_detail(request: TenantRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    records = list(task.history.select_related("history_user").order_by("-history_date", "-history_id")[:51])  # type: ignore[attr-defined]
    history = history_entries(records, Task, {"assignee": User.objects.all()})
    context = {
        "task": task,
        "history": history,
        "may_change": may_change(request, task),
        "now": timezone.now(),
    }
    return render(request, "activities/tasks/task_detail.html", context)


def _prefill(request: TenantRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for name in services.RELATED_FIELDS:
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    return initial


def _form_page(request: TenantRequest, form: TaskForm, task: Task | None) -> HttpResponse:
    if form.is_bound and any(name in form.errors for name in services.RELATED_FIELDS):
        # A record the member may not see is refused without echoing its id back into the page.
        data = form.data.copy()  # type: ignore[attr-defined]
        for name in services.RELATED_FIELDS:
            if name in form.errors:
                data.pop(name, None)
        form.data = data
    return render(
        request,
        "activities/tasks/task_form.html",
        {"form": form, "task": task, "related": form.related() if not form.errors else []},
        status=400 if form.errors else 200,
    )


def _apply_errors(form: TaskForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def task_create(request: TenantRequest) -> HttpResponse:
    if not request.user.has_perm("activities.add_task"):
        raise PermissionDenied
    form = TaskForm(request.POST or None, membership=request.membership, initial=_prefill(request))
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(actor=request.user, **form.service_data())
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Task created."))
            return HttpResponseRedirect(reverse("tasks:task_detail", args=[task.pk]))
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def task_update(request: TenantRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    _require_change(request, task)
    form = TaskForm(request.POST or None, membership=request.membership, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_update(
                task=task,
                actor=request.user,
                expected_version=form.cleaned_data.get("version"),
                **form.service_data(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Task saved."))
            return HttpResponseRedirect(reverse("tasks:task_detail", args=[task.pk]))
    return _form_page(request, form, task)


def _after_action(request: TenantRequest, task: Task) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return render(request, "activities/tasks/_task_row.html", {"task": task, "now": timezone.now()})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("tasks:task_detail", args=[task.pk])
    return HttpResponseRedirect(target)


@login_required
@require_POST
def task_complete(request: TenantRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    _require_change(request, task)
    task = services.task_complete(task=task, actor=request.user)
    if not request.headers.get("HX-Request"):
        messages.success(request, _("Task done: %(title)s") % {"title": task.title})
    return _after_action(request, task)


@login_required
@require_POST
def task_reopen(request: TenantRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    _require_change(request, task)
    task = services.task_reopen(task=task, actor=request.user)
    if not request.headers.get("HX-Request"):
        messages.success(request, _("Task reopened: %(title)s") % {"title": task.title})
    return _after_action(request, task)
