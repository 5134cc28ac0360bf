"""Forms of the outbound e-mail part: the compose form (text as it will be sent), and the template
form of the tenant admin (merge fields checked against the whitelist)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from activities.email.templates import email_template_check
from activities.models import EmailTemplate


class ComposeForm(forms.Form):
    cc = forms.CharField(
        label=_("Cc"),
        required=False,
        max_length=2000,
        help_text=_("Optional: addresses separated by commas."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=998)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 14}), max_length=100_000)

    def cc_list(self) -> list[str]:
        raw = self.cleaned_data.get("cc") or ""
        return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


class EmailTemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = EmailTemplate
        fields = ["code", "language", "name", "purpose", "subject", "body", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            email_template_check(
                pk=self.instance.pk,
                code=cleaned.get("code") or "",
                language=cleaned.get("language") or "",
                subject=cleaned.get("subject") or "",
                body=cleaned.get("body") or "",
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned
