"""Tenant admin of the catalogue and quotes settings: products, price lists with their prices, discount
limits per role, and the company profile printed on quotes."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from crm.admin_site import TenantModelAdmin, tenant_admin
from opportunities.models import CompanyProfile, DiscountLimit, Price, PriceList, Product


@admin.register(Product, site=tenant_admin)
class ProductAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "unit", "default_vat_rate", "purchase_cost", "is_active"]
    list_filter = ["is_active", "unit", "default_vat_rate"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "description", "unit", "default_vat_rate", "purchase_cost", "is_active"]


class PriceInline(admin.TabularInline):
    model = Price
    extra = 1
    fields = ["product", "unit_price"]
    autocomplete_fields = ["product"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return tenant_admin.has_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission  # type: ignore[assignment]


@admin.register(PriceList, site=tenant_admin)
class PriceListAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "currency", "segment", "valid_from", "valid_until", "is_active"]
    list_filter = ["currency", "is_active"]
    list_select_related = ["segment"]
    fields = ["name", "currency", "segment", "valid_from", "valid_until", "is_active"]
    inlines = [PriceInline]


@admin.register(DiscountLimit, site=tenant_admin)
class DiscountLimitAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["role", "max_percent"]
    fields = ["role", "max_percent"]


@admin.register(CompanyProfile, site=tenant_admin)
class CompanyProfileAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    """One row per tenant: the admin offers to add it only while there is none."""

    list_display = ["legal_name", "legal_form", "siret", "vat_number"]
    fields = [
        "legal_name", "legal_form", "share_capital", "address_line1", "address_line2", "postal_code", "city",
        "country", "siret", "vat_number", "rcs_city", "email", "phone", "logo", "default_payment_terms",
        "default_validity_days", "late_payment_rate", "bank_name", "iban", "bic",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not CompanyProfile.objects.exists()
