"""Helpers shared by the normalisers: separator stripping, the empty check and the data folder."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# What people type between groups of digits: any Unicode space (incl. non-breaking and narrow
# non-breaking spaces, which copy-paste from PDFs and Excel brings), dots and every kind of dash.
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")


def strip_separators(value: str) -> str:
    return _SEPARATORS.sub("", value)


def is_ascii_digits(value: str) -> bool:
    # str.isdigit() alone also accepts "²" and Arabic-Indic digits, which stdnum would then reject oddly.
    return value.isascii() and value.isdigit()


def require_text(value: str) -> str:
    """Return `value` stripped, or raise when nothing is left: blank optional fields are the caller's call."""
    stripped = value.strip()
    if not stripped:
        raise ValidationError(_("This value is empty."), code="empty")
    return stripped


def read_csv(filename: str) -> list[dict[str, str]]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def display_language() -> str:
    """The language of the shipped names to use: French for any French locale, English otherwise."""
    language = translation.get_language() or ""
    return "fr" if language.lower().startswith("fr") else "en"
