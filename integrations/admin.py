"""Tenant admin of the dropbox mailbox: server settings, and a password that is written, never shown
(encrypted at rest by crm.secretbox; left empty on a change, the stored one is kept)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm import secretbox
from crm.admin_site import TenantModelAdmin, tenant_admin
from integrations.models import Mailbox


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown. Leave empty to keep the stored password."),
    )

    class Meta:
        model = Mailbox
        fields = ["name", "address", "host", "port", "use_ssl", "username", "folder", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("password") and not self.instance.password_encrypted:
            self.add_error("password", _("Give the mailbox's password."))
        return cleaned

    def save(self, commit: bool = True) -> Mailbox:
        mailbox: Mailbox = super().save(commit=False)
        password = self.cleaned_data.get("password")
        if password:
            mailbox.password_encrypted = secretbox.encrypt(password)
            # New credentials: try again at the next sweep, not after the backoff of the old ones.
            mailbox.next_attempt_at = None
            mailbox.consecutive_failures = 0
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox, site=tenant_admin)
class MailboxAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = MailboxForm
    list_display = ["name", "address", "host", "is_active", "last_success_at", "consecutive_failures"]
    readonly_fields = [
        "last_run_at",
        "last_success_at",
        "last_error",
        "consecutive_failures",
        "next_attempt_at",
        "messages_imported",
        "messages_rejected",
    ]
    fieldsets = [
        (None, {"fields": ["name", "address", "is_active"]}),
        (_("Server"), {"fields": ["host", "port", "use_ssl", "username", "password", "folder"]}),
        (_("Sync"), {"fields": tuple(readonly_fields)}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fieldsets if obj is not None else self.fieldsets[:2]
