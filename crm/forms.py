from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models import User


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _("Wrong email or password. Note that the password is case-sensitive."),
        "inactive": _("Your access is disabled."),
    }


class InvitationAwarePasswordResetForm(PasswordResetForm):
    """Django mails only users with a usable password; people invited without one (admin, create_user)
    must be able to set their first password the same way."""

    def get_users(self, email: str) -> Iterator[User]:
        for user in User.objects.filter(email__iexact=email.strip(), is_active=True):
            if user.has_usable_password() or user.last_login is None:
                yield user


class SavedViewForm(forms.Form):
    """Name and sharing of a saved view; on creation also the list, its filters and "my default".
    Only parses: `crm.saved_views` checks the name, the right to share and the filters."""

    name = forms.CharField(label=_("Name of the view"), max_length=100)
    is_shared = forms.BooleanField(label=_("Share with everyone in the company"), required=False)
    is_default = forms.BooleanField(label=_("Open it when I come to this list"), required=False)
    list_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    query = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, may_publish: bool, is_new: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_publish:
            del self.fields["is_shared"]
        if not is_new:
            for name in ("is_default", "list_key", "query"):
                del self.fields[name]

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)
