"""French company identifiers (SIREN, SIRET) and EU VAT numbers."""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from accounts.normalisation._common import is_ascii_digits, require_text, strip_separators

SIREN_LENGTH = 9
SIRET_LENGTH = 14

# The same identifier is checked several times on its way through a write (form, service, duplicate
# checks, import look-ups) and stdnum's checks are slow next to the rest (a fifth of an import's time):
# remember the verdicts of recent ones.
_CHECKED = 65_536


@lru_cache(maxsize=_CHECKED)
def _siren_key_ok(digits: str) -> bool:
    return bool(stdnum_siren.is_valid(digits))


@lru_cache(maxsize=_CHECKED)
def _siret_key_ok(digits: str) -> bool:
    return bool(stdnum_siret.is_valid(digits))


@lru_cache(maxsize=_CHECKED)
def _vat_verdict(compact: str) -> tuple[str, str]:
    """(the VAT number as stdnum returns it, "") or ("", the code of the first error)."""
    try:
        return str(eu_vat.validate(compact)), ""
    except stdnum_errors.InvalidChecksum:
        return "", "vat_checksum"
    except stdnum_errors.InvalidLength:
        return "", "vat_length"
    except stdnum_errors.ValidationError:
        return "", "vat_format"


def _group_siren(digits: str) -> str:
    return f"{digits[0:3]} {digits[3:6]} {digits[6:9]}"


def _group_siret(digits: str) -> str:
    return f"{_group_siren(digits[:9])} {digits[9:]}"


def normalize_siren(value: str) -> str:
    """Return the 9 digits of a SIREN, checked with the Luhn key."""
    raw = require_text(value)
    digits = strip_separators(raw)
    if not is_ascii_digits(digits):
        raise ValidationError(
            _("A SIREN contains only digits; “%(value)s” contains other characters."),
            code="siren_format",
            params={"value": raw},
        )
    if len(digits) != SIREN_LENGTH:
        raise ValidationError(
            _("A SIREN has 9 digits; this one has %(length)d."),
            code="siren_length",
            params={"length": len(digits)},
        )
    if not _siren_key_ok(digits):
        raise ValidationError(
            _("The SIREN %(value)s has a wrong check digit."),
            code="siren_checksum",
            params={"value": _group_siren(digits)},
        )
    return digits


def normalize_siret(value: str) -> str:
    """Return the 14 digits of a SIRET, checked with the Luhn key (or La Poste's own rule, via stdnum)."""
    raw = require_text(value)
    digits = strip_separators(raw)
    if not is_ascii_digits(digits):
        raise ValidationError(
            _("A SIRET contains only digits; “%(value)s” contains other characters."),
            code="siret_format",
            params={"value": raw},
        )
    if len(digits) != SIRET_LENGTH:
        raise ValidationError(
            _("A SIRET has 14 digits; this one has %(length)d."),
            code="siret_length",
            params={"length": len(digits)},
        )
    # stdnum checks both the SIRET key and the key of its SIREN part.
    if not _siret_key_ok(digits):
        raise ValidationError(
            _("The SIRET %(value)s has a wrong check digit."),
            code="siret_checksum",
            params={"value": _group_siret(digits)},
        )
    return digits


def siren_from_siret(siret: str) -> str:
    return normalize_siret(siret)[:SIREN_LENGTH]


def format_siren(value: str) -> str:
    """Display form "732 829 320". Lenient: a value that is not 9 digits comes back stripped, as stored."""
    digits = strip_separators(value)
    if len(digits) == SIREN_LENGTH and is_ascii_digits(digits):
        return _group_siren(digits)
    return value.strip()


def format_siret(value: str) -> str:
    """Display form "732 829 320 00074". Lenient like `format_siren`."""
    digits = strip_separators(value)
    if len(digits) == SIRET_LENGTH and is_ascii_digits(digits):
        return _group_siret(digits)
    return value.strip()


def normalize_vat(value: str) -> str:
    """Return an EU VAT number uppercased without separators, country prefix first ("FR44732829320").

    The prefix is required, since the same digits can be valid in several countries. Greece's
    ISO code GR is accepted and stored as EL, the prefix VIES uses.
    """
    raw = require_text(value)
    compact = strip_separators(raw).upper()
    if compact.startswith("GR"):
        compact = "EL" + compact[2:]
    country = compact[:2]
    if not (country.isascii() and country.isalpha()) or country.lower() not in _vat_prefixes():
        raise ValidationError(
            _(
                "A VAT number starts with the code of an EU country (for example FR, DE or BE); "
                "“%(value)s” does not."
            ),
            code="vat_country",
            params={"value": raw},
        )
    valid, code = _vat_verdict(compact)
    if not code:
        return valid
    message = {
        "vat_checksum": _("The VAT number %(value)s has a wrong check digit."),
        "vat_length": _(
            "The VAT number %(value)s does not have the length used in its country (%(country)s)."
        ),
        "vat_format": _("The VAT number %(value)s is not in the format used in its country (%(country)s)."),
    }[code]
    raise ValidationError(message, code=code, params={"value": compact, "country": country})


def _vat_prefixes() -> set[str]:
    # stdnum lists "gr"; VAT numbers use "el". "xi" is Northern Ireland (EU VAT rules for goods).
    return (set(eu_vat.MEMBER_STATES) - {"gr"}) | {"el"}


def french_vat_for_siren(siren: str) -> str:
    """The French VAT number of a SIREN: "FR", the key on 2 digits, the SIREN.

    key = (12 + 3 * (SIREN mod 97)) mod 97, the same as (SIREN followed by "12") mod 97.
    """
    digits = normalize_siren(siren)
    key = (12 + 3 * (int(digits) % 97)) % 97
    return f"FR{key:02d}{digits}"


def vat_matches_siren(vat: str, siren: str) -> bool:
    """False when a French VAT number is not the one of this SIREN (a warning for the caller, not an error).

    A French VAT number is FR, a 2-character key, then the SIREN; `normalize_vat` has already checked
    the key (numeric or new-style alphanumeric), so comparing the SIREN part is enough. A VAT number of
    another country cannot be related to a SIREN, so it never disagrees: True.
    Raises ValidationError when either value is not valid on its own.
    """
    normalized_vat = normalize_vat(vat)
    normalized_siren = normalize_siren(siren)
    if not normalized_vat.startswith("FR"):
        return True
    return normalized_vat[4:] == normalized_siren
