from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm.admin_site import TenantModelAdmin, tenant_admin
from crm.models import Membership
from crm.roles import Role
from governance import field_policies, field_rules, visibility
from governance.models import (
    FieldPolicy,
    FieldRule,
    SecurityEvent,
    SensitiveFieldRead,
    SharingDefault,
    SharingRule,
    Team,
    TeamMember,
    Territory,
    TerritoryMember,
)
from governance.selectors import security_event_list_for_tenant
from governance.services import team_check_parent, territory_check_parent


class MembershipInline(admin.TabularInline):
    """An inline of a tenant's members (teams, territories), for tenant admins only."""

    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "membership":
            kwargs["queryset"] = Membership.objects.select_related("user")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return tenant_admin.has_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission  # type: ignore[assignment]


class TeamMemberInline(MembershipInline):
    model = TeamMember


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "parent", "manager"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        team_check_parent(team=self.instance, parent=cleaned.get("parent"))
        return cleaned


@admin.register(Team, site=tenant_admin)
class TeamAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = TeamForm
    list_display = ["name", "parent", "manager"]
    list_select_related = ["parent", "manager__user"]
    inlines = [TeamMemberInline]
    search_fields = ["name"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "manager":
            kwargs["queryset"] = Membership.objects.select_related("user")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SecurityEvent, site=tenant_admin)
class SecurityEventAdmin(TenantModelAdmin):
    list_display = ["created_at", "kind", "email", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SecurityEvent]:
        return security_event_list_for_tenant()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TerritoryMemberInline(MembershipInline):
    model = TerritoryMember


class TerritoryForm(forms.ModelForm):
    class Meta:
        model = Territory
        fields = ["name", "parent"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        territory_check_parent(territory=self.instance, parent=cleaned.get("parent"))
        return cleaned


@admin.register(Territory, site=tenant_admin)
class TerritoryAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = TerritoryForm
    list_display = ["name", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name"]
    inlines = [TerritoryMemberInline]


class FieldPolicyForm(forms.ModelForm):
    field = forms.ChoiceField(label=_("Sensitive field"))
    read_roles = forms.MultipleChoiceField(
        label=_("May read"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    edit_roles = forms.MultipleChoiceField(
        label=_("May change"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = FieldPolicy
        fields = ["read_roles", "edit_roles"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [  # type: ignore[attr-defined]
            (f"{item.model_label}.{item.field_name}", f"{item.model_label} · {item.field_name}")
            for item in field_policies.sensitive_fields()
        ]
        if self.instance.pk:
            self.initial["field"] = f"{self.instance.model_label}.{self.instance.field_name}"

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        model_label, _dot, field_name = (cleaned.get("field") or "").rpartition(".")
        self.instance.model_label, self.instance.field_name = model_label, field_name
        return cleaned


@admin.register(FieldPolicy, site=tenant_admin)
class FieldPolicyAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = FieldPolicyForm
    fields = ["field", "read_roles", "edit_roles"]
    list_display = ["model_label", "field_name"]


class FieldRuleForm(forms.ModelForm):
    """One rule per field; the rules a field does not allow, or a synchronised field without its
    integration, are refused with the reason (governance.field_rules.rule_errors)."""

    field = forms.ChoiceField(label=_("Field"))
    integration = forms.ChoiceField(
        label=_("Integration"),
        required=False,
        help_text=_(
            "For a synchronised field: the integration whose API keys may change it (set on the key)."
        ),
    )

    class Meta:
        model = FieldRule
        fields = ["rule", "integration"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [  # type: ignore[attr-defined]
            (
                f"{item.model_label}.{item.field_name}",
                _("%(field)s (by default: %(rule)s)")
                % {
                    "field": field_rules.field_verbose_name(item.model_label, item.field_name),
                    "rule": str(FieldRule.Rule(item.default).label).lower(),
                },
            )
            for item in field_rules.configurable_fields()
        ]
        names = field_rules.integration_names()
        if self.instance.integration and self.instance.integration not in names:
            names.append(self.instance.integration)  # its keys were revoked: still shown, not lost
        self.fields["integration"].choices = [("", "---------"), *((name, name) for name in names)]  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["field"] = f"{self.instance.model_label}.{self.instance.field_name}"

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if "field" not in cleaned or "rule" not in cleaned:
            return cleaned
        model_label, _dot, field_name = cleaned["field"].rpartition(".")
        integration = cleaned.get("integration") or ""
        if cleaned["rule"] != FieldRule.Rule.SYNCHRONISED:
            integration = cleaned["integration"] = ""
        errors = field_rules.rule_errors(
            model_label=model_label, field_name=field_name, rule=cleaned["rule"], integration=integration
        )
        taken = FieldRule.objects.filter(model_label=model_label, field_name=field_name)
        if taken.exclude(pk=self.instance.pk).exists():
            errors.setdefault("field", []).append(str(_("This field already has a rule: change that one.")))
        for name, messages in errors.items():
            self.add_error(name, messages)
        self.instance.model_label, self.instance.field_name = model_label, field_name
        self.instance.integration = integration
        return cleaned


@admin.register(FieldRule, site=tenant_admin)
class FieldRuleAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = FieldRuleForm
    fields = ["field", "rule", "integration"]
    list_display = ["model_label", "field_name", "rule", "integration"]
    list_filter = ["model_label", "rule"]


@admin.register(SensitiveFieldRead, site=tenant_admin)
class SensitiveFieldReadAdmin(TenantModelAdmin):
    list_display = ["read_at", "user", "model_label", "object_id", "field_name"]
    list_filter = ["model_label", "field_name"]
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SharingForm(forms.ModelForm):
    model_label = forms.ChoiceField(label=_("Record type"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model_label"].choices = visibility.shareable_choices()  # type: ignore[attr-defined]


class SharingDefaultForm(SharingForm):
    class Meta:
        model = SharingDefault
        fields = ["model_label", "access"]


class SharingRuleForm(SharingForm):
    class Meta:
        model = SharingRule
        fields = ["model_label", "source_team", "target_team", "access"]


@admin.register(SharingDefault, site=tenant_admin)
class SharingDefaultAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = SharingDefaultForm
    list_display = ["model_label", "access"]


@admin.register(SharingRule, site=tenant_admin)
class SharingRuleAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = SharingRuleForm
    list_display = ["model_label", "source_team", "target_team", "access"]
    list_select_related = ["source_team", "target_team"]
