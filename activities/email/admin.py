"""Tenant admin of the outbound e-mail part: sender settings (one row) and the e-mail templates, whose
merge fields are checked against the whitelist on save."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from activities.email.forms import EmailTemplateForm
from activities.models import EmailSettings, EmailTemplate
from crm.admin_site import TenantModelAdmin, tenant_admin


class EmailSettingsAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    """One row per tenant: the admin offers to add it only while there is none."""

    list_display = ["__str__", "sender_name", "sender_address", "reply_to"]
    fields = [
        "sender_name", "sender_address", "reply_to", "signature", "dropbox_address", "max_attachment_bytes",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not EmailSettings.objects.exists()


class EmailTemplateAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = EmailTemplateForm
    list_display = ["name", "code", "language", "purpose", "is_active"]
    list_filter = ["language", "purpose", "is_active"]
    search_fields = ["name", "code", "subject"]
    ordering = ["code", "language"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


def register() -> None:
    for model, model_admin in ((EmailSettings, EmailSettingsAdmin), (EmailTemplate, EmailTemplateAdmin)):
        if not tenant_admin.is_registered(model):
            tenant_admin.register(model, model_admin)
