"""The "log an activity" form: few taps on a phone (the type as big chips, the date defaulting to now),
the related records fixed from the page it was opened on, choices limited to what the member sees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Account, Contact
from activities.models import Activity, ActivityType
from crm.models import Membership
from leads.models import Lead
from opportunities.models import Opportunity

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class TypeChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class ContactChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.first_name} {obj.last_name}".strip()


class ActivityForm(forms.Form):
    type = TypeChoiceField(
        label=_("Type"),
        queryset=ActivityType.objects.none(),
        widget=forms.RadioSelect(attrs={"class": "chips__input"}),
        empty_label=None,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Activity.Status.choices,
        initial=Activity.Status.DONE,
        widget=forms.RadioSelect,
    )
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=[DATETIME_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        required=False,
        min_value=0,
        max_value=60 * 24 * 31,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}),
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Activity.Outcome.choices, required=False)
    location = forms.CharField(label=_("Location"), max_length=255, required=False)
    description = forms.CharField(
        label=pgettext_lazy("activity", "Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contacts = ContactChoiceField(
        # The message does not repeat the id: it may be another company's.
        error_messages={
            "invalid_choice": _("Select a valid choice. That choice is not one of the available choices.")
        },
        label=_("Contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_private = forms.BooleanField(
        label=_("Private"),
        required=False,
        help_text=_("Only you and the people above you see a private activity."),
    )
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=Account.objects.none(), required=False, widget=forms.HiddenInput
    )
    lead = forms.ModelChoiceField(
        label=_("Lead"), queryset=Lead.objects.none(), required=False, widget=forms.HiddenInput
    )
    opportunity = forms.ModelChoiceField(
        label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(
        self, *args: Any, membership: Membership, account_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["type"].queryset = ActivityType.objects.filter(is_active=True).order_by("position", "id")
        fields["account"].queryset = Account.objects.visible_to(membership)
        fields["lead"].queryset = Lead.objects.visible_to(membership)
        fields["opportunity"].queryset = Opportunity.objects.visible_to(membership)
        # The account's contacts to tick (the ones the member sees); none without an account.
        contacts = Contact.objects.visible_to(membership).order_by("last_name", "first_name", "id")
        fields["contacts"].queryset = (
            contacts.filter(account_id=account_id) if account_id is not None else contacts.none()
        )
        if not self.is_bound and "starts_at" not in self.initial:
            self.initial["starts_at"] = timezone.localtime().replace(second=0, microsecond=0)

    def forget_refused_records(self) -> None:
        """Blank the hidden ids that were refused, so the page shown again does not repeat them (an id
        of another company or of a record the member may not see)."""
        refused = [name for name in ("account", "lead", "opportunity") if name in self.errors]
        if refused:
            data: Any = self.data.copy()  # type: ignore[attr-defined]
            for name in refused:
                data[name] = ""
            self.data = data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_at = cleaned.get("starts_at")
        if (
            cleaned.get("status") == Activity.Status.DONE
            and starts_at is not None
            and starts_at > timezone.now() + timedelta(minutes=5)
        ):
            self.add_error("status", _("An activity in the future cannot be done yet: mark it planned."))
        opportunity, account = cleaned.get("opportunity"), cleaned.get("account")
        if opportunity is not None and account is not None and opportunity.account_id != account.pk:
            self.add_error(None, _("The opportunity belongs to another account."))
        return cleaned
