"""ISO reference codes: countries (3166-1), currencies (4217) and languages (639-1), with English and
French names shipped in accounts/data/.

countries.csv comes from django-countries 9.1.0 (ISO 3166-1, alpha-3 codes, its common English names
and French translations); currencies.csv and languages.csv from pycountry 26.2.16 (Debian iso-codes
and their French translations). Currencies leave out funds codes, precious metals and other units
that are not money (XAU, XDR, XTS…); languages leave out "sh", withdrawn from ISO 639-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.normalisation._common import display_language, read_csv, require_text


@dataclass(frozen=True)
class ReferenceEntry:
    code: str
    name_en: str
    name_fr: str

    def name(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_en


def _read_entries(filename: str) -> dict[str, ReferenceEntry]:
    rows = read_csv(filename)
    return {row["code"]: ReferenceEntry(row["code"], row["name_en"], row["name_fr"]) for row in rows}


@cache
def _countries() -> dict[str, ReferenceEntry]:
    return _read_entries("countries.csv")


@cache
def _country_lookup() -> dict[str, str]:
    """Each spelling, case-folded, to its alpha-2 code: alpha-2, alpha-3, English and French names."""
    lookup: dict[str, str] = {}
    for row in read_csv("countries.csv"):
        for spelling in (row["code"], row["alpha3"], row["name_en"], row["name_fr"]):
            lookup[spelling.casefold()] = row["code"]
    return lookup


@cache
def _currencies() -> dict[str, ReferenceEntry]:
    return _read_entries("currencies.csv")


@cache
def _languages() -> dict[str, ReferenceEntry]:
    return _read_entries("languages.csv")


def normalize_country(value: str) -> str:
    """Return the ISO 3166-1 alpha-2 code ("FR") of "fr", "FRA", "France" or "Allemagne"."""
    raw = require_text(value)
    code = _country_lookup().get(" ".join(raw.split()).casefold())
    if code is None:
        raise ValidationError(
            _("“%(value)s” is not a country: enter an ISO 3166-1 code such as FR or FRA, or its name."),
            code="country_unknown",
            params={"value": raw},
        )
    return code


def normalize_currency(value: str) -> str:
    """Return an active ISO 4217 currency code, uppercase ("EUR")."""
    raw = require_text(value)
    code = raw.upper()
    if code not in _currencies():
        raise ValidationError(
            _("“%(value)s” is not an ISO 4217 currency code such as EUR."),
            code="currency_unknown",
            params={"value": raw},
        )
    return code


def normalize_language(value: str) -> str:
    """Return an ISO 639-1 language code, lowercase ("fr")."""
    raw = require_text(value)
    code = raw.lower()
    if code not in _languages():
        raise ValidationError(
            _("“%(value)s” is not an ISO 639-1 language code such as fr or en."),
            code="language_unknown",
            params={"value": raw},
        )
    return code


def country_name(code: str) -> str:
    """The name of a country in the active language (French names for French, English otherwise)."""
    return _countries()[normalize_country(code)].name(display_language())


def country_choices() -> list[tuple[str, str]]:
    """(code, name) in the active language, sorted by name."""
    return _choices(_countries())


def currency_choices() -> list[tuple[str, str]]:
    """(code, "EUR — Euro") in the active language, sorted by code."""
    language = display_language()
    return [(code, f"{code} — {entry.name(language)}") for code, entry in sorted(_currencies().items())]


def language_choices() -> list[tuple[str, str]]:
    """(code, name) in the active language, sorted by name."""
    return _choices(_languages())


def _choices(entries: dict[str, ReferenceEntry]) -> list[tuple[str, str]]:
    language = display_language()
    pairs = [(code, entry.name(language)) for code, entry in entries.items()]
    return sorted(pairs, key=lambda pair: pair[1].casefold())
