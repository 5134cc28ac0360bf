"""The form of the Sharing tab: one person or one team of the tenant, a level, a note."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models import Membership
from governance.models import ShareLevel, Team


class ShareForm(forms.Form):
    """The grantee arrives as "user:<id>" or "team:<id>"; the service checks it belongs to the tenant."""

    grantee = forms.CharField(label=_("Share with"), max_length=40)
    level = forms.ChoiceField(label=_("Access"), choices=ShareLevel.choices, initial=ShareLevel.READ)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, levels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in ShareLevel.choices if value in levels
        ]
        members = (
            Membership.objects.filter(is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        teams = [(f"team:{team.pk}", team.name) for team in Team.objects.order_by("name")]
        choices: list[Any] = [("", "—"), (_("People"), [(f"user:{m.user_id}", str(m.user)) for m in members])]
        if teams:
            choices.append((_("Teams"), teams))
        self.fields["grantee"].widget = forms.Select(choices=choices)

    def clean_grantee(self) -> dict[str, int]:
        kind, _sep, raw = (self.cleaned_data.get("grantee") or "").partition(":")
        if kind not in ("user", "team") or not raw.isdigit():
            raise ValidationError(_("Choose one person or one team."))
        return {f"{kind}_id": int(raw)}

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)
