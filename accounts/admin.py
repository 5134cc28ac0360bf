"""Tenant admin settings of the accounts domain: segments, territory rules and duplicate rules."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.dedup.models import DuplicateRules
from accounts.models import Segment, TerritoryRule
from crm.admin_site import TenantModelAdmin, tenant_admin


@admin.register(Segment, site=tenant_admin)
class SegmentAdmin(TenantModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
    ordering = ["position", "name"]


@admin.register(TerritoryRule, site=tenant_admin)
class TerritoryRuleAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["territory", "country", "postal_code_prefix", "segment"]
    list_filter = ["territory", "country"]
    list_select_related = ["territory", "segment"]
    fields = ["territory", "country", "postal_code_prefix", "segment"]


@admin.register(DuplicateRules, site=tenant_admin)
class DuplicateRulesAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    """One row per tenant: the admin offers to add it only while there is none."""

    list_display = ["__str__", "name_similarity"]
    fieldsets = [
        (
            _("Accounts"),
            {
                "fields": [
                    "account_same_siren",
                    "account_same_vat",
                    "account_same_website",
                    "account_similar_name",
                ]
            },
        ),
        (_("Contacts"), {"fields": ["contact_same_email", "contact_same_phone", "contact_similar_name"]}),
        (_("Names"), {"fields": ["name_similarity"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not DuplicateRules.objects.exists()
