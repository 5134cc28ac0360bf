from collections.abc import Iterator

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
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
