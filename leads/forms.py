"""HTML input of the lead pages. The forms only parse; the services normalise, check and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import identifiers
from accounts.forms import LOOSE_IDENTIFIER_LENGTH, ParseOnlyModelForm, active_member_users
from accounts.models import Account
from crm.models import Membership
from leads.models import Lead, LeadSource
from leads.services.qualification import custom_questions
from opportunities.models import Product


class LeadForm(ParseOnlyModelForm):
    phone = forms.CharField(label=_("Phone"), required=False, max_length=LOOSE_IDENTIFIER_LENGTH)
    siret = forms.CharField(label=_("SIRET"), required=False, max_length=LOOSE_IDENTIFIER_LENGTH)
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    score = forms.IntegerField(label=_("Score"), required=False, min_value=0, max_value=100, initial=0)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Lead
        fields = [
            "salutation", "first_name", "last_name", "email", "phone", "job_title", "language",
            "company_name", "siret", "country", "postal_code", "city", "segment", "partner",
            "product_of_interest", "source",
            "campaign", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "score",
            "owner",
        ]  # fmt: skip

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["owner"].queryset = active_member_users()  # type: ignore[attr-defined]
        fields["owner"].help_text = _("Empty: the assignment rules choose.")
        fields["partner"].queryset = (  # type: ignore[attr-defined]
            Account.objects.visible_to(membership)
            .filter(account_type=Account.Type.PARTNER)
            .order_by("legal_name")  # type: ignore[attr-defined]
        )
        fields["source"].queryset = LeadSource.objects.filter(is_active=True)  # type: ignore[attr-defined]
        fields["product_of_interest"].queryset = Product.objects.filter(is_active=True)  # type: ignore[attr-defined]
        fields["language"] = forms.ChoiceField(
            label=_("language"), choices=identifiers.language_choices(), initial="fr"
        )
        fields["country"] = forms.ChoiceField(
            label=_("country"), choices=identifiers.country_choices(), initial="FR"
        )
        fields["email"].widget.input_type = "email"  # type: ignore[attr-defined]
        fields["phone"].widget.input_type = "tel"  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        if data.get("score") is None:
            data["score"] = 0
        return data


class QualificationForm(forms.Form):
    budget = forms.CharField(label=_("Budget"), required=False, max_length=200)
    authority = forms.CharField(label=_("Authority"), required=False, max_length=200)
    need = forms.CharField(label=_("Need"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    timeline = forms.ChoiceField(
        label=_("Timeline"), required=False, choices=[("", "—"), *Lead.Timeline.choices]
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = custom_questions()
        if self.questions:
            for name in ("budget", "authority", "need", "timeline"):
                self.fields.pop(name)
            for question in self.questions:
                self.fields[f"answer_{question['key']}"] = forms.CharField(
                    label=question.get("label") or question["key"], required=False, max_length=500
                )

    def service_data(self) -> dict[str, Any]:
        if self.questions:
            return {
                "answers": {q["key"]: self.cleaned_data.get(f"answer_{q['key']}", "") for q in self.questions}
            }
        return {name: self.cleaned_data.get(name, "") for name in ("budget", "authority", "need", "timeline")}


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Lead.UnqualifiedReason.choices)
    note = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConvertForm(forms.Form):
    """The account and contact to convert into: one found by the duplicate rules, or new ones."""

    NEW = "new"
    account = forms.ChoiceField(label=_("Account"), widget=forms.RadioSelect)
    contact = forms.ChoiceField(label=_("Contact"), widget=forms.RadioSelect)

    create_opportunity = forms.BooleanField(label=_("Create an opportunity"), required=False)
    opportunity_name = forms.CharField(
        label=_("Opportunity name"), required=False, max_length=200, help_text=_("Empty: the account's name.")
    )
    opportunity_amount = forms.DecimalField(
        label=_("Estimated amount"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False)

    def __init__(self, *args: Any, accounts: list[Any], contacts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [  # type: ignore[attr-defined]
            *((str(item.pk), str(item)) for item in accounts),
            (self.NEW, _("Create a new account")),
        ]
        self.fields["contact"].choices = [  # type: ignore[attr-defined]
            *((str(item.pk), f"{item} · {item.account}") for item in contacts),
            (self.NEW, _("Create a new contact")),
        ]
        self.fields["account"].initial = str(accounts[0].pk) if accounts else self.NEW
        self.fields["contact"].initial = str(contacts[0].pk) if contacts else self.NEW


class AssignForm(forms.Form):
    owner: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        label=_("Owner"), queryset=None, required=False, help_text=_("Empty: apply the assignment rules.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_member_users()  # type: ignore[attr-defined]
