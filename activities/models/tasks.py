"""Tasks (spec 2.3.2): something someone must do by a date, about a record, with an optional reminder
delivered once by a periodic sweep (activities.tasks), never by a broker ETA."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Membership, TenantManager, TenantOwnedModel


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, membership: Membership) -> TaskQuerySet:
        """The assignee, the creator and the people above the assignee (activities.selectors)."""
        from activities.selectors import task_visibility

        return self.filter(task_visibility(membership))

    def open(self) -> TaskQuerySet:
        return self.filter(status=Task.Status.OPEN)


TaskManager = TenantManager.from_queryset(TaskQuerySet)


class Task(TenantOwnedModel):
    class Kind(models.TextChoices):
        SALES_FOLLOW_UP = "sales_follow_up", _("Sales follow-up")
        MEETING_PREPARATION = "meeting_preparation", _("Meeting preparation")
        AFTER_SALES = "after_sales", _("After-sales follow-up")
        INTERNAL = "internal", _("Internal coordination")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices, default=Kind.SALES_FOLLOW_UP)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("account"),
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("contact"),
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("lead"),
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("opportunity"),
    )
    # Reminder: minutes before the due time; remind_at is kept by save() and read by the sweep.
    remind_minutes_before = models.PositiveIntegerField(
        _("remind me (minutes before)"), null=True, blank=True
    )
    remind_at = models.DateTimeField(_("reminder at"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    # Set on tasks an event created ("lead.assigned:42"): the same event never creates two tasks.
    source_key = models.CharField(max_length=120, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TaskManager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["updated_at", "reminded_at"])

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_key"],
                condition=~Q(source_key=""),
                name="activities_task_source_unique",
            )
        ]
        indexes = [
            # "My tasks": one assignee's open tasks by due date.
            models.Index(
                fields=["tenant", "assignee", "due_at", "id"],
                condition=Q(status="open"),
                name="activities_task_mine_idx",
            ),
            # The reminder sweep: due reminders not yet delivered, across tenants (owner connection).
            models.Index(
                fields=["remind_at"],
                condition=Q(status="open", reminded_at__isnull=True, remind_at__isnull=False),
                name="activities_task_remind_idx",
            ),
            models.Index(fields=["tenant", "account", "due_at"], name="activities_task_account_idx"),
            models.Index(fields=["tenant", "opportunity"], name="activities_task_opp_idx"),
            models.Index(fields=["tenant", "lead"], name="activities_task_lead_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        from datetime import timedelta

        if self.remind_minutes_before is not None and self.due_at is not None:
            remind_at = self.due_at - timedelta(minutes=self.remind_minutes_before)
            if remind_at != self.remind_at:
                self.remind_at = remind_at
                self.reminded_at = None
        else:
            self.remind_at = None
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()
