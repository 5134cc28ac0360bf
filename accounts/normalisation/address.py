"""Postal addresses: postal codes, checked strictly for France and the places that use French codes."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.normalisation._common import require_text
from accounts.normalisation.reference import normalize_country

POSTAL_CODE_MAX_LENGTH = 10

# Places with their own ISO 3166-1 code that use French 5-digit postal codes, and the prefix of theirs.
# Monaco uses the French system too (980xx).
_FRENCH_SYSTEM_PREFIXES = {
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "PM": "975",
    "YT": "976",
    "BL": "977",
    "MF": "978",
    "MC": "980",
    "TF": "984",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}
# France itself: a department 01 to 95 (Corsica keeps 20xxx in postal codes, not 2A/2B), or 97/98 for
# overseas addresses entered with country FR.
_FRANCE_DEPARTMENTS = {f"{number:02d}" for number in range(1, 96)} | {"97", "98"}

_FIVE_DIGITS = re.compile(r"[0-9]{5}")
_OTHER_COUNTRY = re.compile(r"[A-Z0-9]+(?:[ -][A-Z0-9]+)*")


def normalize_postal_code(value: str, *, country: str) -> str:
    """Return the postal code in its standard form for `country` (any form `normalize_country` accepts).

    France and places using French codes: exactly 5 digits with a prefix that exists there (spaces are
    dropped: "75 008"). Other countries: trimmed, uppercase, single spaces, at most 10 characters of
    letters, digits, spaces and hyphens.
    """
    raw = require_text(value)
    country_code = normalize_country(country)
    if country_code == "FR" or country_code in _FRENCH_SYSTEM_PREFIXES:
        return _normalize_french_postal_code(raw, country_code)
    code = " ".join(raw.upper().split())
    if len(code) > POSTAL_CODE_MAX_LENGTH:
        raise ValidationError(
            _("A postal code has at most 10 characters; “%(value)s” has %(length)d."),
            code="postal_code_length",
            params={"value": code, "length": len(code)},
        )
    if not (code.isascii() and _OTHER_COUNTRY.fullmatch(code)):
        raise ValidationError(
            _(
                "A postal code contains only letters, digits, spaces and hyphens; "
                "“%(value)s” has other characters."
            ),
            code="postal_code_format",
            params={"value": code},
        )
    return code


def _normalize_french_postal_code(raw: str, country_code: str) -> str:
    code = "".join(raw.split())
    if not _FIVE_DIGITS.fullmatch(code):
        raise ValidationError(
            _("A French postal code has 5 digits, such as 75008; “%(value)s” does not."),
            code="postal_code_format",
            params={"value": raw},
        )
    if country_code == "FR":
        if code[:2] not in _FRANCE_DEPARTMENTS:
            raise ValidationError(
                _(
                    "The postal code %(value)s does not exist in France: "
                    "it must start with a department number."
                ),
                code="postal_code_unknown",
                params={"value": code},
            )
        return code
    prefix = _FRENCH_SYSTEM_PREFIXES[country_code]
    if not code.startswith(prefix):
        raise ValidationError(
            _("Postal codes of %(country)s start with %(prefix)s; %(value)s does not."),
            code="postal_code_unknown",
            params={"value": code, "country": country_code, "prefix": prefix},
        )
    return code
