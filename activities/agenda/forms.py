"""HTML input of the agenda pages: they only parse; activities.agenda.services checks and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Account, Contact
from activities.models import ActivityType, CalendarSettings
from crm.models import Membership
from opportunities.models import Opportunity

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class _ServiceErrorsMixin(forms.Form):
    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = name if name in self.fields and name != NON_FIELD_ERRORS else None
                self.add_error(target, errors)
        else:
            self.add_error(None, error)


class MeetingForm(_ServiceErrorsMixin):
    type = forms.ModelChoiceField(label=_("Type"), queryset=ActivityType.objects.none(), empty_label=None)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=60 * 24, initial=60
    )
    location = forms.CharField(label=_("Location"), max_length=255, required=False)
    contacts = forms.ModelMultipleChoiceField(
        label=_("Attendees (contacts)"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=_("Contacts with an e-mail address receive an invitation."),
    )
    account = forms.ModelChoiceField(label=_("Account"), queryset=Account.objects.none(), required=False)
    opportunity = forms.ModelChoiceField(
        label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False
    )
    description = forms.CharField(
        label=pgettext_lazy("details", "Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    is_private = forms.BooleanField(
        label=_("Private"),
        required=False,
        help_text=_("Colleagues who see your agenda see only “Busy”."),
    )

    def __init__(self, *args: Any, membership: Membership, types: list[ActivityType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = ActivityType.objects.filter(pk__in=[row.pk for row in types])  # type: ignore[attr-defined]
        self.fields["contacts"].queryset = (  # type: ignore[attr-defined]
            Contact.objects.visible_to(membership).order_by("last_name", "first_name", "id")
        )
        self.fields["account"].queryset = Account.objects.visible_to(membership).order_by("legal_name")  # type: ignore[attr-defined]
        self.fields["opportunity"].queryset = Opportunity.objects.visible_to(membership).order_by("name")  # type: ignore[attr-defined]


class CalendarSettingsForm(forms.Form):
    sharing = forms.ChoiceField(
        label=_("Who sees my agenda"), choices=CalendarSettings.Sharing.choices, widget=forms.RadioSelect
    )


class CalendarImportForm(forms.Form):
    file = forms.FileField(label=_("Calendar file (.ics)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is too large (2 MB at most)."))
        return upload
