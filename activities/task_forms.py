"""The task form: kind, title, due date and time (the company's time zone), priority, assignee among the
people the member may give tasks to, reminder, and the related record (hidden, prefilled from the
record's page, checked against what the member can see)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activities.models import Task
from activities.services.tasks import RELATED_FIELDS, REMINDER_CHOICES, assignable_users
from crm.models import Membership, User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


def _reminder_value(minutes: int | None) -> str:
    return "" if minutes is None else str(minutes)


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Task.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=DATE, initial=timezone.localdate)
    due_time = forms.TimeField(label=_("Due time"), widget=TIME, initial=time(9, 0))
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Task.Priority.choices, coerce=int, initial=Task.Priority.NORMAL
    )
    assignee = forms.ModelChoiceField(label=_("Assigned to"), queryset=User.objects.none())
    remind = forms.ChoiceField(
        label=_("Reminder"),
        choices=[(_reminder_value(minutes), label) for minutes, label in REMINDER_CHOICES],
        required=False,
    )
    description = forms.CharField(
        label=pgettext_lazy("details", "Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, membership: Membership, task: Task | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.task = task
        users = assignable_users(membership)
        if task is not None:
            # The current assignee stays a valid choice for whoever may edit the task.
            users = User.objects.filter(Q(pk__in=users.values("pk")) | Q(pk=task.assignee_id))
        self.fields["assignee"].queryset = users.order_by("full_name", "email")  # type: ignore[attr-defined]
        self.fields["assignee"].initial = membership.user_id
        from accounts.models import Account, Contact
        from leads.models import Lead
        from opportunities.models import Opportunity

        for name, model in (
            ("account", Account),
            ("contact", Contact),
            ("lead", Lead),
            ("opportunity", Opportunity),
        ):
            self.fields[name] = forms.ModelChoiceField(
                queryset=model.objects.visible_to(membership),  # type: ignore[attr-defined]
                required=False,
                widget=forms.HiddenInput,
            )
        if task is not None and not self.is_bound:
            local = timezone.localtime(task.due_at)
            self.initial.update(
                {
                    "kind": task.kind,
                    "title": task.title,
                    "due_date": local.date(),
                    "due_time": local.time().replace(second=0, microsecond=0),
                    "priority": task.priority,
                    "assignee": task.assignee_id,
                    "remind": _reminder_value(task.remind_minutes_before),
                    "description": task.description,
                    "version": task.version,
                    **{name: getattr(task, f"{name}_id") for name in RELATED_FIELDS},
                }
            )

    def clean_remind(self) -> int | None:
        value = self.cleaned_data.get("remind") or ""
        return int(value) if value != "" else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("due_date") and cleaned.get("due_time") is not None:
            cleaned["due_at"] = timezone.make_aware(
                datetime.combine(cleaned["due_date"], cleaned["due_time"])
            )
        return cleaned

    def related(self) -> list[Any]:
        """The related records, to show them (bound: as chosen; else as prefilled)."""
        records = []
        for name in RELATED_FIELDS:
            value = self.cleaned_data.get(name) if self.is_bound and hasattr(self, "cleaned_data") else None
            if value is None and not self.is_bound and self.initial.get(name):
                field = self.fields[name]
                value = field.queryset.filter(pk=self.initial[name]).first()  # type: ignore[attr-defined]
            if value is not None:
                records.append(value)
        return records

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "due_at": data["due_at"],
            "priority": data["priority"],
            "assignee": data["assignee"],
            "remind_minutes_before": data["remind"],
            "description": data.get("description", ""),
            **{name: data.get(name) for name in RELATED_FIELDS},
        }
