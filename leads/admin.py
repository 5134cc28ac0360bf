"""Tenant admin settings of leads: sources, assignment rules (ordered), web forms (with their
embeddable snippet), lead settings and the business calendar."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import ForeignKey
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.forms import active_member_users
from accounts.models import Consent
from crm.admin_site import TenantModelAdmin, tenant_admin
from crm.tenancy import current_tenant
from leads import prerequisites
from leads.models import AssignmentRule, BusinessCalendar, LeadSettings, LeadSource, WebForm
from leads.services.web_to_lead import HONEYPOT_FIELD, consent_wording

WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
    (5, _("Saturday")), (6, _("Sunday")),
]  # fmt: skip


class _MemberUsersMixin:
    """Users are the kernel's, shared by every tenant: offer only this company's active members."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name in {"target_user", "owner"}:
            kwargs["queryset"] = active_member_users()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


@admin.register(LeadSource, site=tenant_admin)
class LeadSourceAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "code", "sla_hours", "position", "is_active"]
    list_editable = ["position", "is_active"]
    fields = ["name", "code", "sla_hours", "position", "is_active"]


@admin.register(AssignmentRule, site=tenant_admin)
class AssignmentRuleAdmin(_MemberUsersMixin, TenantModelAdmin, SimpleHistoryAdmin):
    list_display = ["position", "name", "country", "postal_code_prefix", "segment", "language", "target_user",
                    "target_team", "is_active"]  # fmt: skip
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_select_related = ["segment", "target_user", "target_team"]
    ordering = ["position", "id"]
    fieldsets = [
        (None, {"fields": ["position", "name", "is_active"]}),
        (
            _("Criteria (empty: any)"),
            {
                "fields": [
                    "country",
                    "postal_code_prefix",
                    "segment",
                    "language",
                    "partner",
                    "product_of_interest",
                    "source",
                ]
            },
        ),
        (_("Assign to (one of the two)"), {"fields": ["target_user", "target_team"]}),
    ]


class WebFormAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]
        label=_("extra fields"),
        choices=WebForm.Field.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    required_fields = forms.MultipleChoiceField(
        label=_("required extra fields"), choices=WebForm.Field.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    consent_purposes = forms.MultipleChoiceField(
        label=_("consents asked"), choices=Consent.Purpose.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    class Meta:
        model = WebForm
        fields = ["name", "key", "is_active", "source", "campaign", "language", "fields", "required_fields",
                  "consent_purposes", "thank_you_url"]  # fmt: skip


@admin.register(WebForm, site=tenant_admin)
class WebFormAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = WebFormAdminForm
    list_display = ["name", "key", "source", "is_active"]
    list_select_related = ["source"]
    readonly_fields = ["snippet"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*WebFormAdminForm.Meta.fields, *(["snippet"] if obj is not None else [])]

    @admin.display(description=_("HTML snippet to paste on your website"))
    def snippet(self, obj: WebForm) -> str:
        tenant = current_tenant()
        action = f"/forms/{tenant.slug}/{obj.key}/"
        base = settings.CRM_BASE_URL.rstrip("/") or "{{ " + _("your CRM address") + " }}"
        # The public address, outside the tenant's prefix (/t/<slug>/): built by hand, not reversed.
        html = render_to_string(
            "leads/public_form_fields.html",
            {
                "action": f"{base}{action}",
                # On another site our style sheet is absent: the trap hides itself.
                "embed": True,
                "fields": obj.fields,
                "required": set(obj.required_fields),
                "consents": [(purpose, consent_wording(purpose)) for purpose in obj.consent_purposes],
                "honeypot": HONEYPOT_FIELD,
                "data": {},
                "errors": {},
            },
        )
        return format_html('<p>{}</p><pre class="webform-snippet">{}</pre>', action, html)


class LeadSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    conversion_prerequisites = forms.MultipleChoiceField(
        label=_("conversion prerequisites"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = LeadSettings
        fields = [
            "first_contact_sla_hours", "sla_in_business_hours", "max_assignment_delay_minutes",
            "fallback_team", "qualification_grid", "custom_questions", "conversion_prerequisites",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["conversion_prerequisites"].choices = prerequisites.choices()  # type: ignore[attr-defined]


@admin.register(LeadSettings, site=tenant_admin)
class LeadSettingsAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    """One row per tenant: the admin offers to add it only while there is none."""

    form = LeadSettingsForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not LeadSettings.objects.exists()


class BusinessCalendarForm(forms.ModelForm):  # type: ignore[type-arg]
    working_days = forms.TypedMultipleChoiceField(
        label=_("working days"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = BusinessCalendar
        fields = ["working_days", "day_start", "day_end", "french_public_holidays", "closed_days"]


@admin.register(BusinessCalendar, site=tenant_admin)
class BusinessCalendarAdmin(TenantModelAdmin, SimpleHistoryAdmin):
    form = BusinessCalendarForm
    list_display = ["__str__", "day_start", "day_end", "french_public_holidays"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not BusinessCalendar.objects.exists()
