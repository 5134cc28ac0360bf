from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm import services
from crm.admin_site import TenantModelAdmin, tenant_admin
from crm.models import ApiKey, Membership, Tenant
from crm.roles import Role
from crm.tenancy import current_tenant


def adopt(obj: Any, created: Any) -> None:
    """The admin logs and redirects with the object it built; give it the one the service saved."""
    obj.__dict__.update({name: value for name, value in created.__dict__.items() if name != "_state"})
    obj._state.adding = False
    obj._state.db = created._state.db


class MembershipAddForm(forms.ModelForm):
    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)

    class Meta:
        model = Membership
        fields = ["role", "manager", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("email"):
            services.membership_check_new(email=cleaned["email"])
        return cleaned


class MembershipChangeForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "manager", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        services.membership_check_manager(membership=self.instance, manager=cleaned.get("manager"))
        return cleaned


@admin.register(Membership, site=tenant_admin)
class MembershipAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["user_email", "user_name", "role", "manager", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "manager__user"]
    ordering = ["user__email"]

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj: Membership) -> str:
        return obj.user.email

    @admin.display(description=_("name"), ordering="user__full_name")
    def user_name(self, obj: Membership) -> str:
        return obj.user.full_name

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = MembershipChangeForm if obj is not None else MembershipAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        manager_field = form.base_fields.get("manager")
        if manager_field is not None:
            queryset: QuerySet[Membership] = Membership.objects.select_related("user")
            if obj is not None:
                queryset = queryset.exclude(pk=obj.pk)
            manager_field.queryset = queryset  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.membership_update(
                membership=obj,
                actor=request.user,  # type: ignore[arg-type]
                role=data["role"],
                manager=data["manager"],
                clear_manager=data["manager"] is None,
                is_active=data["is_active"],
            )
        else:
            user = services.user_get_or_create(email=data["email"], full_name=data.get("full_name", ""))
            created = services.membership_create(
                tenant=current_tenant(),
                user=user,
                role=data["role"],
                manager=data["manager"],
                actor=request.user,  # type: ignore[arg-type]
            )
            adopt(obj, created)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # memberships are deactivated, never deleted: their history stays


@admin.register(ApiKey, site=tenant_admin)
class ApiKeyAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "role", "integration", "public_id", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role"]
    readonly_fields = ["public_id", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "role", "integration", "public_id", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return [*self.readonly_fields, "name", "role", "integration"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return
        key, full_key = services.api_key_create(
            tenant=current_tenant(),
            name=form.cleaned_data["name"],
            role=form.cleaned_data.get("role") or Role.FINANCE,
            actor=request.user,  # type: ignore[arg-type]
            integration=form.cleaned_data.get("integration") or "",
        )
        adopt(obj, key)
        messages.warning(
            request,
            _("Copy this key now, it will not be shown again: %(key)s") % {"key": full_key},
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            services.api_key_revoke(key=key, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Keys revoked."))

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Tenant, site=tenant_admin)
class CompanySettingsAdmin(TenantModelAdmin):
    """The tenant's own settings (language, time zone, currency). Only the current tenant is listed."""

    fields = ["name", "slug", "country", "currency", "language", "time_zone"]
    readonly_fields = ["slug"]
    list_display = ["name", "country", "currency", "language", "time_zone"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        return Tenant.objects.filter(pk=current_tenant().pk)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tenants are created by ops (create_tenant)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
