"""Django admin for tenant administrators, mounted at /t/<slug>/admin/ and scoped like every page.

Every model admin's queryset goes through the tenant-filtered default manager and PostgreSQL's
row-level security, so a tenant admin cannot reach another tenant's rows. There is no cross-tenant
admin: platform operations are management commands.
"""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.roles import Role
from crm.tenancy import current_membership


class TenantAdminSite(admin.AdminSite):
    site_header = _("CRM administration")
    site_title = _("CRM administration")
    index_title = _("Settings of this company")
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        membership = current_membership()
        return bool(
            request.user.is_active
            and membership is not None
            and membership.user_id == request.user.pk
            and membership.role == Role.TENANT_ADMIN
        )

    # No "recent actions": Django's admin log has no tenant, and a person who administers two
    # companies would see one's actions in the other's admin.
    index_template = "admin/tenant_index.html"

    def get_urls(self) -> list[Any]:
        # Drop "view on site" (/r/<content type>/<id>/): it resolves any object of any tenant through
        # the unscoped base manager of kernel models, and would reveal other tenants' addresses.
        return [pattern for pattern in super().get_urls() if getattr(pattern, "name", None) != "view_on_site"]

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        wrapped = super().admin_view(view, cacheable)

        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # A member without the admin role: the admin does not exist for them (no redirect, no 403).
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return wrapped(request, *args, **kwargs)

        return update_wrapper(inner, wrapped)

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        if request.user.is_authenticated:
            # A member without the admin role: the admin does not exist for them.
            raise Http404
        return redirect_to_login(request.GET.get("next") or request.get_full_path())

    def each_context(self, request: HttpRequest) -> dict[str, object]:
        context = super().each_context(request)
        context["site_url"] = reverse("crm:home")
        return context


tenant_admin = TenantAdminSite(name="admin")


class TenantModelAdmin(admin.ModelAdmin):
    """Base for tenant-owned models in the admin: permissions from the role of the membership."""

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        # Another tenant's row, or none at all: the same 404, never a hint that it exists.
        raise Http404

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # Django checks the delete or change permission before it says "no such object", so a model
        # that allows no deletion would answer 403 for another tenant's id: answer 404 first.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return tenant_admin.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return tenant_admin.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return tenant_admin.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return tenant_admin.has_permission(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return tenant_admin.has_permission(request)
