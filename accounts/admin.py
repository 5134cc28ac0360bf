"""Tenant admin settings of the accounts domain: segments and territory rules."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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
