"""Validation and normalisation of company and contact data (spec 2.1 and 4.2.1), shared by forms, the
API, the import and the duplicate detector. Pure functions: no models, no database.

Every `normalize_*` returns the stored form or raises `django.core.exceptions.ValidationError` with a
translatable message and a `code`. Blank input raises too (code "empty"): whether a field may be blank
is the caller's decision. `format_*` functions are for display and never raise on stored data.
"""

from accounts.normalisation.address import normalize_postal_code
from accounts.normalisation.company import (
    format_siren,
    format_siret,
    french_vat_for_siren,
    normalize_siren,
    normalize_siret,
    normalize_vat,
    siren_from_siret,
    vat_matches_siren,
)
from accounts.normalisation.contact import format_phone, normalize_email, normalize_name, normalize_phone
from accounts.normalisation.naf import NAF_VERSION, naf_choices, naf_label, normalize_naf
from accounts.normalisation.naics import NAICS_VERSION, naics_title, normalize_naics
from accounts.normalisation.reference import (
    country_choices,
    country_name,
    currency_choices,
    language_choices,
    normalize_country,
    normalize_currency,
    normalize_language,
)

__all__ = [
    "NAF_VERSION",
    "NAICS_VERSION",
    "country_choices",
    "country_name",
    "currency_choices",
    "format_phone",
    "format_siren",
    "format_siret",
    "french_vat_for_siren",
    "language_choices",
    "naf_choices",
    "naf_label",
    "naics_title",
    "normalize_country",
    "normalize_currency",
    "normalize_email",
    "normalize_language",
    "normalize_naf",
    "normalize_naics",
    "normalize_name",
    "normalize_phone",
    "normalize_postal_code",
    "normalize_siren",
    "normalize_siret",
    "normalize_vat",
    "siren_from_siret",
    "vat_matches_siren",
]
