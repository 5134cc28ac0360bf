"""Tenant admin settings of the pipeline: pipelines with their ordered stages (probability, outcome,
fields required to enter, chosen among the opportunity's fields), competitors, loss reasons and the
opportunity settings (notification threshold, inactivity reminder, overdue alert)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm.admin_site import TenantModelAdmin, tenant_admin
from opportunities.models import Competitor, LossReason, Pipeline, PipelineSettings, Stage
from opportunities.services.pipeline import requirable_fields, stage_required_fields_check


class StageForm(forms.ModelForm):  # type: ignore[type-arg]
    required_fields = forms.MultipleChoiceField(
        label=_("Fields required to enter"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A lost stage always asks for the loss reason."),
    )

    class Meta:
        model = Stage
        fields = ["name", "position", "probability", "outcome", "required_fields", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["required_fields"].choices = requirable_fields()  # type: ignore[attr-defined]

    def clean_required_fields(self) -> list[str]:
        names = list(self.cleaned_data.get("required_fields") or [])
        try:
            stage_required_fields_check(names)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["required_fields"]) from None
        return names


class StageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Stage
    form = StageForm
    extra = 0
    ordering = ["position", "id"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return tenant_admin.has_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission  # type: ignore[assignment]


class PipelineForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Pipeline
        fields = ["name", "position", "is_default", "is_active"]

    def clean_is_default(self) -> bool:
        is_default = bool(self.cleaned_data.get("is_default"))
        others = Pipeline.objects.filter(is_default=True).exclude(pk=self.instance.pk)
        if is_default and others.exists():
            raise forms.ValidationError(
                _("“%(name)s” is the default pipeline: make it no longer the default first.")
                % {"name": others.first()}
            )
        return is_default


@admin.register(Pipeline, site=tenant_admin)
class PipelineAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = PipelineForm
    list_display = ["name", "position", "is_default", "is_active"]
    ordering = ["position", "name"]
    inlines = [StageInline]


@admin.register(Competitor, site=tenant_admin)
class CompetitorAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "website", "is_active"]
    search_fields = ["name"]
    fields = ["name", "website", "is_active"]


@admin.register(LossReason, site=tenant_admin)
class LossReasonAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]
    ordering = ["position", "name"]
    fields = ["name", "position", "is_active"]


@admin.register(PipelineSettings, site=tenant_admin)
class PipelineSettingsAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    """One row per tenant: the admin offers to add it only while there is none."""

    list_display = ["__str__", "manager_notification_threshold", "inactivity_reminder_days"]
    fields = ["manager_notification_threshold", "inactivity_reminder_days", "overdue_close_date_alert"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not PipelineSettings.objects.exists()
