"""Contact details: phone numbers (stored in E.164), email addresses and names."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from accounts.normalisation._common import require_text

_email_validator = EmailValidator()


# France and its overseas departments and collectivities share one national numbering: from Paris a
# Réunion mobile is dialled 0692…, but libphonenumber knows it only under RE. So a number typed
# nationally is also tried under the other regions of that plan.
_FRENCH_NUMBERING_REGIONS = ("FR", "RE", "GP", "MQ", "GF", "YT", "PM", "BL", "MF")


def normalize_phone(value: str, *, default_region: str = "FR") -> str:
    """Return the E.164 form ("+33612345678") of a number typed nationally for `default_region` or
    internationally ("+32 …", or "0032 …" as dialled from France)."""
    raw = require_text(value)
    region = default_region.upper()
    regions = [region]
    if region in _FRENCH_NUMBERING_REGIONS:
        regions += [other for other in _FRENCH_NUMBERING_REGIONS if other != region]
    number = next((parsed for parsed in (_parse_phone(raw, other) for other in regions) if parsed), None)
    if number is None:
        raise ValidationError(
            _("This phone number is not valid: %(value)s."), code="phone_invalid", params={"value": raw}
        )
    if number.extension:
        # E.164 has no room for an extension: refuse rather than silently drop it.
        raise ValidationError(
            _("This phone number has an extension, which cannot be stored: %(value)s. Enter it without."),
            code="phone_extension",
            params={"value": raw},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_phone(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number if it parses and is valid for `region` (or for its own country code), else None."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def format_phone(e164: str, *, region: str) -> str:
    """Display form: national ("01 42 68 53 00") for a number of `region` (or of the same French numbering
    plan: a Réunion number shows as "0692 …" in France), international ("+32 2 555 12 12") otherwise.

    Lenient: a value that does not parse (legacy data) comes back unchanged.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    number_region, viewer_region = phonenumbers.region_code_for_number(number), region.upper()
    same_plan = {number_region, viewer_region} <= set(_FRENCH_NUMBERING_REGIONS)
    if number_region == viewer_region or same_plan:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_email(value: str) -> str:
    """Return the address stripped and lower-cased (whole address: mail systems here are case-blind and the
    duplicate detector compares addresses), validated by Django's EmailValidator."""
    email = require_text(value).lower()
    try:
        _email_validator(email)
    except ValidationError:
        raise ValidationError(
            _("This email address is not valid: %(value)s."), code="email_invalid", params={"value": email}
        ) from None
    return email


def normalize_name(value: str) -> str:
    """Strip and collapse inner whitespace (incl. non-breaking spaces); keep case and accents.

    Unlike the other normalisers, blank gives "" instead of raising: whether a name is required is the
    caller's rule, checked on the result.
    """
    return " ".join(value.split())
