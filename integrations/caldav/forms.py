"""The calendar settings forms: they only parse; the services test the server and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from integrations.caldav.client import CalendarInfo


class ServiceErrorsMixin:
    def add_service_errors(self, error: ValidationError) -> None:
        form: Any = self
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error)


class CalDAVConnectForm(ServiceErrorsMixin, forms.Form):
    url = forms.URLField(
        label=pgettext_lazy("caldav", "CalDAV address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The address of your calendar server, e.g. https://cloud.example.com/remote.php/dav/"),
    )
    username = forms.CharField(label=pgettext_lazy("caldav", "User name"), max_length=255)
    password = forms.CharField(
        label=pgettext_lazy("caldav", "Password"),
        required=False,
        max_length=500,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to keep the password already saved. It is stored encrypted and never shown."
        ),
    )
    is_active = forms.BooleanField(
        label=pgettext_lazy("caldav", "Synchronise my calls and meetings"), required=False, initial=True
    )


class CalendarChoiceForm(ServiceErrorsMixin, forms.Form):
    calendar_url = forms.ChoiceField(
        label=pgettext_lazy("caldav", "Calendar"), widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args: Any, calendars: list[CalendarInfo], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [(calendar.url, calendar.name) for calendar in calendars]
        if not any(calendar.name == "CRM" for calendar in calendars):
            choices.append(("", str(_("Create a new calendar named “CRM”"))))
        field = self.fields["calendar_url"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
