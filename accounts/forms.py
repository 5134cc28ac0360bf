"""HTML input of the account and contact pages. The forms only parse: the services normalise, check
and write (`accounts.services`), so the pages, the API and the imports share one set of rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import identifiers
from accounts.models import Account, Consent, Contact, Segment
from crm.models import Membership, User
from governance.field_policies import locked_fields
from governance.forms import FieldRulesFormMixin

# People type identifiers and phones with spaces and dots: longer than the stored, normalised value.
LOOSE_IDENTIFIER_LENGTH = 40


def active_member_users() -> QuerySet[User]:
    """Users with an active membership in the current tenant (row-level security keeps it to it)."""
    return (
        User.objects.filter(memberships__in=Membership.objects.filter(is_active=True), is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


class ParseOnlyModelForm(FieldRulesFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A ModelForm whose model validation is left to the service: it must not run twice, differently,
    on raw input (a SIRET typed with spaces is longer than the stored one). The tenant's field rules
    apply to every form built on it (required, or read-only with a hint: governance.forms)."""

    def _post_clean(self) -> None:
        return None

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the form: on its field when the form has one."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = name if name in self.fields and name != NON_FIELD_ERRORS else None
                self.add_error(target, errors)
        else:
            self.add_error(None, error)


class AccountForm(ParseOnlyModelForm):
    """The account's fields, and on creation its head office and, when asked, why to go on despite
    likely duplicates. `service_arguments()` splits the input the way the services take it."""

    siren = forms.CharField(label=_("SIREN"), required=False, max_length=LOOSE_IDENTIFIER_LENGTH)
    siret = forms.CharField(
        label=_("SIRET"),
        required=False,
        max_length=LOOSE_IDENTIFIER_LENGTH,
        help_text=_("14 digits; the SIREN follows."),
    )
    vat_number = forms.CharField(
        label=_("Intra-community VAT number"), required=False, max_length=LOOSE_IDENTIFIER_LENGTH
    )
    naf_code = forms.CharField(label=_("NAF/APE code"), required=False, max_length=LOOSE_IDENTIFIER_LENGTH)
    naics_code = forms.CharField(
        label=_("NAICS code"),
        required=False,
        max_length=LOOSE_IDENTIFIER_LENGTH,
        help_text=_("For companies outside France: 2 to 6 digits of NAICS 2022, such as 541511."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # Head office, on creation: its postal code also feeds the duplicate check and the territory rules.
    head_office_line1 = forms.CharField(label=_("Address"), required=False, max_length=200)
    head_office_postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=10)
    head_office_city = forms.CharField(label=_("City"), required=False, max_length=120)
    head_office_country = forms.CharField(label=_("Country"), required=False, max_length=60, initial="FR")
    duplicate_reason = forms.CharField(
        label=_("Why create it anyway?"),
        required=False,
        max_length=300,
        help_text=_("Only if the companies listed above are really different from this one."),
    )

    HEAD_OFFICE_FIELDS = ("line1", "postal_code", "city", "country")

    class Meta:
        model = Account
        fields = [
            "legal_name", "trade_name", "legal_form", "siren", "siret", "vat_number", "naf_code",
            "naics_code", "website", "account_type", "revenue_band", "headcount_band", "segment", "origin",
            "owner", "parent", "partner", "currency", "customer_revenue", "estimated_potential",
            "last_purchase_date", "relationship_status_override",
        ]  # fmt: skip
        widgets = {"last_purchase_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = Account.objects.visible_to(membership).order_by("legal_name", "id")
        if self.instance.pk is not None:
            visible = visible.exclude(pk=self.instance.pk)
        fields = self.fields
        fields["owner"].queryset = active_member_users()  # type: ignore[attr-defined]
        fields["segment"].queryset = Segment.objects.all()  # type: ignore[attr-defined]
        fields["parent"].queryset = visible  # type: ignore[attr-defined]
        fields["partner"].queryset = visible  # type: ignore[attr-defined]
        # A current parent or partner the member may not see is neither shown nor changed.
        for name in ("parent", "partner"):
            current_id = getattr(self.instance, f"{name}_id", None)
            if current_id and not visible.filter(pk=current_id).exists():
                fields.pop(name)
        fields["currency"] = forms.ChoiceField(
            label=fields["currency"].label, choices=identifiers.currency_choices(), initial="EUR"
        )
        fields["legal_name"].required = True
        if self.instance.pk is not None:
            for name in (*(f"head_office_{part}" for part in self.HEAD_OFFICE_FIELDS), "duplicate_reason"):
                fields.pop(name)
        fields["website"].widget.attrs["placeholder"] = "https://"
        for name in ("customer_revenue", "estimated_potential"):
            fields[name].widget.attrs["inputmode"] = "decimal"
        # Field policies: a field the role may not change is not offered at all.
        for name in locked_fields(membership.role, Account):
            fields.pop(name, None)
        for name in ("siren", "siret"):
            fields[name].widget.attrs["inputmode"] = "numeric"
        if self.instance.pk is None:
            del fields["version"]
        else:
            fields["version"].required = True

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        head_office = {part: data.pop(f"head_office_{part}", "") for part in self.HEAD_OFFICE_FIELDS}
        reason = data.pop("duplicate_reason", "") or ""
        data.pop("version", None)
        if not any(value for name, value in head_office.items() if name != "country"):
            head_office = {}
        return {"data": data, "head_office": head_office, "duplicate_reason": reason}


class ContactForm(ParseOnlyModelForm):
    phone = forms.CharField(label=_("Direct phone"), required=False, max_length=LOOSE_IDENTIFIER_LENGTH)
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=LOOSE_IDENTIFIER_LENGTH)
    email = forms.CharField(label=_("Work email"), required=False, max_length=254)
    preferred_channels = forms.MultipleChoiceField(
        label=_("Preferred channels"),
        choices=Contact.Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    duplicate_reason = forms.CharField(
        label=_("Why create this contact anyway?"),
        required=False,
        max_length=300,
        help_text=_("Only if the people listed above are really someone else."),
    )

    class Meta:
        model = Contact
        fields = [
            "salutation", "first_name", "last_name", "job_title", "department", "team", "phone", "mobile",
            "email", "language", "account", "owner", "preferred_channels", "contact_frequency",
            "relationship_status", "do_not_call",
        ]  # fmt: skip

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields.pop("duplicate_reason")
        fields = self.fields
        fields["account"].queryset = Account.objects.visible_to(membership).order_by(  # type: ignore[attr-defined]
            "legal_name", "id"
        )
        fields["owner"].queryset = active_member_users()  # type: ignore[attr-defined]
        fields["language"] = forms.ChoiceField(
            label=fields["language"].label, choices=identifiers.language_choices(), initial="fr"
        )
        fields["email"].widget.input_type = "email"  # type: ignore[attr-defined]
        for name in ("phone", "mobile"):
            fields[name].widget.input_type = "tel"  # type: ignore[attr-defined]
            fields[name].widget.attrs["autocomplete"] = "off"
        # Field policies: a field the role may not change is not offered at all.
        for name in locked_fields(membership.role, Contact):
            fields.pop(name, None)
        if self.instance.pk is None:
            del fields["version"]
        else:
            fields["version"].required = True


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Consent.Status.choices)
    source = forms.CharField(
        label=_("Source"), max_length=120, help_text=_("Where the person said so: form, call, event...")
    )
    proof = forms.CharField(
        label=_("Proof"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What shows it: form id, IP address, document."),
    )

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)
