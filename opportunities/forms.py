"""HTML input of the opportunity pages and the kanban. The forms only parse: the services check and
write (`opportunities.services`), so the pages, the kanban, the API and lead conversion share one set
of rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import active_member_users
from accounts.models import Account, Contact
from crm.models import Membership
from governance.field_policies import locked_fields
from opportunities.models import (
    Competitor,
    LossReason,
    Opportunity,
    OpportunityContactRole,
    Pipeline,
    Product,
    Stage,
)
from opportunities.services.editing import CURRENCIES


class _ServiceErrorsMixin:
    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the form: on its field when the form has one."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = name if name in self.fields and name != NON_FIELD_ERRORS else None  # type: ignore[attr-defined]
                self.add_error(target, errors)  # type: ignore[attr-defined]
        else:
            self.add_error(None, error)  # type: ignore[attr-defined]


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpportunityForm(_ServiceErrorsMixin, forms.ModelForm):  # type: ignore[type-arg]
    """Creation (with pipeline and stage) and edit (with the version the member read). The model's
    validation is the service's: it must not run twice, differently."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none(), required=False)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none(), required=False)

    class Meta:
        model = Opportunity
        fields = [
            "name",
            "account",
            "primary_contact",
            "amount",
            "currency",
            "probability",
            "expected_close_date",
            "expected_signature_date",
            "budget_type",
            "sale_type",
            "competitors",
            "loss_reason",
            "loss_comment",
            "description",
            "owner",
        ]
        widgets = {"expected_close_date": DATE, "expected_signature_date": DATE}

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        editing = self.instance.pk is not None
        self.fields["account"].queryset = Account.objects.visible_to(membership).order_by("legal_name")  # type: ignore[attr-defined]
        contacts = Contact.objects.visible_to(membership).order_by("last_name", "first_name")
        if editing:
            contacts = contacts.filter(account_id=self.instance.account_id)
        self.fields["primary_contact"].queryset = contacts  # type: ignore[attr-defined]
        self.fields["owner"].queryset = active_member_users()  # type: ignore[attr-defined]
        self.fields["competitors"].queryset = Competitor.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["loss_reason"].queryset = LossReason.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["currency"] = forms.ChoiceField(
            label=_("Currency"), choices=[(code, code) for code in CURRENCIES]
        )
        self.fields["probability"].required = False
        self.fields["probability"].help_text = _("Empty: the stage's default probability.")
        if editing:
            del self.fields["pipeline"], self.fields["stage"]
            if self.instance.probability_overridden is False:
                self.initial["probability"] = None
        else:
            self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True)  # type: ignore[attr-defined]
            self.fields["stage"].queryset = Stage.objects.filter(  # type: ignore[attr-defined]
                is_active=True, outcome=Stage.Outcome.OPEN
            ).select_related("pipeline")
            self.fields["stage"].label_from_instance = lambda stage: f"{stage.pipeline} · {stage}"  # type: ignore[attr-defined]
            self.fields["stage"].help_text = _("Empty: the first stage of the pipeline.")
            del self.fields["version"], self.fields["loss_reason"], self.fields["loss_comment"]
        for name in locked_fields(membership.role, Opportunity):
            if name in self.fields:
                self.fields[name].disabled = True

    def _post_clean(self) -> None:
        return None

    def update_data(self) -> dict[str, Any]:
        """What opportunity_update takes: the changed fields only (a disabled field never is)."""
        data = {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}
        data.pop("version", None)
        if "competitors" in data:
            data["competitors"] = list(data["competitors"])
        return data


class MissingFieldsForm(_ServiceErrorsMixin, forms.Form):
    """Exactly the fields a stage asked for, built from the opportunity's own model fields; on a valid
    submit the move is tried again with these values."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    stage = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, opportunity: Opportunity, names: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = list(names)
        for name in self.names:
            model_field = Opportunity._meta.get_field(name)
            field = model_field.formfield()  # type: ignore[union-attr]
            if field is None:
                continue
            field.required = True
            choice: Any = field
            if name == "primary_contact":
                choice.queryset = Contact.objects.filter(account_id=opportunity.account_id).order_by(  # type: ignore[attr-defined]
                    "last_name", "first_name"
                )
            elif name == "loss_reason":
                choice.queryset = LossReason.objects.filter(is_active=True)
            elif name == "competitors":
                choice.queryset = Competitor.objects.filter(is_active=True)
            if isinstance(field, forms.DateField):
                field.widget = DATE
            self.fields[name] = field

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.names if name in self.cleaned_data}


class MoveForm(forms.Form):
    """The move of a card: the target stage and the version the member saw."""

    stage = forms.IntegerField()
    version = forms.IntegerField(required=False)


class ContactRoleForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=OpportunityContactRole.Role.choices)

    def __init__(self, *args: Any, opportunity: Opportunity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(  # type: ignore[attr-defined]
            account_id=opportunity.account_id
        ).order_by("last_name", "first_name")


class ProductForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, initial=1)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)  # type: ignore[attr-defined]
