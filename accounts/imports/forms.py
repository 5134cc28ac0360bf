"""The import pages' forms: they only parse; `accounts.imports.services` checks and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.imports import registry
from accounts.imports.models import ImportJob
from accounts.imports.parsing import MAX_FILE_BYTES
from accounts.imports.services import field_choices, mode_choices


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=(),  # the registered kinds, see __init__
        initial=ImportJob.Kind.ACCOUNTS,
        required=False,  # accounts, when not said
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (comma, semicolon or tab separated) or XLSX, with the column names on the first row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )

    def __init__(self, *args: Any, kinds: list[registry.ImportKind] | None = None, **kwargs: Any) -> None:
        """`kinds`: the kinds offered (those the user may import); every registered kind by default."""
        super().__init__(*args, **kwargs)
        # Every registered kind is valid (the view refuses, 403, a kind the user may not import);
        # only the kinds offered are shown.
        self.fields["kind"].choices = registry.choices()  # type: ignore[attr-defined]
        self.fields["kind"].widget.choices = registry.choices(kinds)

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or ImportJob.Kind.ACCOUNTS

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB: split it into several files."))
        return upload


class MappingForm(forms.Form):
    """One choice per column of the file (the field it fills, or nothing), and the mode."""

    mode = forms.ChoiceField(label=_("What to do"), choices=ImportJob.Mode.choices)  # per kind below

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        kwargs["initial"] = {
            "mode": job.mode,
            **{f"column_{column}": name for column, name in job.mapping.items()},
        }
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = mode_choices(job.kind)  # type: ignore[attr-defined]
        choices = [("", _("(do not import)")), *field_choices(job.kind)]
        for index, header in enumerate(job.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("Column %(number)d") % {"number": index + 1},
                choices=choices,
                required=False,
            )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("column_")]

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("column_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("column_") and value
        }
