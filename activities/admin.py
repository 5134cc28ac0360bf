"""Tenant admin of activities: the types (the standard eight and the company's own), and the activities
themselves to look at and delete (writes go through the pages, the API and their services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from activities.models import Activity, ActivityType
from activities.services import activity_delete
from crm.admin_site import TenantModelAdmin, tenant_admin


class ActivityTypeAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ActivityType
        fields = ["code", "name", "kind", "icon", "position", "is_active"]

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        taken = ActivityType.objects.filter(code=code)
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another activity type already has this code."))
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code = cleaned.get("code")
        standard = any(code == item[0] for item in ActivityType.DEFAULTS)
        if code and not standard and not str(cleaned.get("name") or "").strip():
            self.add_error("name", _("Give your own type a name."))
        return cleaned


@admin.register(ActivityType, site=tenant_admin)
class ActivityTypeAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = ActivityTypeAdminForm
    list_display = ["__str__", "code", "kind", "position", "is_active"]
    list_editable = ["position", "is_active"]
    ordering = ["position", "id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code of a standard type is what the services and imports know it by.
        if obj is not None and any(obj.code == item[0] for item in ActivityType.DEFAULTS):
            return ["code"]
        return []

    def get_queryset(self, request: HttpRequest) -> QuerySet[ActivityType]:
        from activities.services import activity_types_ensure

        activity_types_ensure()  # a company's first visit shows the standard types to edit
        return super().get_queryset(request)


ACTIVITY_FIELDS = (
    "type", "subject", "status", "starts_at", "duration_minutes", "outcome", "channel", "location",
    "description", "owner", "account", "lead", "opportunity", "is_private",
)  # fmt: skip


@admin.register(Activity, site=tenant_admin)
class ActivityAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["subject", "type", "status", "starts_at", "owner", "account", "is_private"]
    list_filter = ["status", "type", "is_private"]
    list_select_related = ["type", "owner", "account"]
    search_fields = ["subject"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-id"]
    fields = ACTIVITY_FIELDS
    readonly_fields = ACTIVITY_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        activity_delete(activity=obj, actor=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Activity]) -> None:
        for activity in queryset.select_related("type"):
            activity_delete(activity=activity, actor=request.user)  # type: ignore[arg-type]
