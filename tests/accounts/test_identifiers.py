"""The company and contact normalisers: pure functions, no database."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum import luhn
from stdnum.eu import nace

from accounts import identifiers
from accounts.identifiers import (
    NAF_VERSION,
    country_choices,
    country_name,
    currency_choices,
    format_phone,
    format_siren,
    format_siret,
    french_vat_for_siren,
    language_choices,
    naf_choices,
    naf_label,
    normalize_country,
    normalize_currency,
    normalize_email,
    normalize_language,
    normalize_naf,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
    normalize_siren,
    normalize_siret,
    normalize_vat,
    siren_from_siret,
    vat_matches_siren,
)

DATA_DIR = Path(identifiers.__file__).resolve().parent / "data"
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


def error_of(function: Callable[..., object], *args: object, **kwargs: object) -> tuple[str, str]:
    """Call `function`, which must raise ValidationError; return its (code, English message)."""
    with pytest.raises(ValidationError) as caught:
        function(*args, **kwargs)
    with translation.override("en"):
        return caught.value.code or "", str(caught.value.messages[0])


# SIREN and SIRET ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("732829320", "732829320"),
        ("732 829 320", "732829320"),
        ("732.829.320", "732829320"),
        ("732-829-320", "732829320"),
        (f"732{NBSP}829{NBSP}320", "732829320"),
        (f" 732{NARROW_NBSP}829{NARROW_NBSP}320 ", "732829320"),
        ("542051180", "542051180"),
        ("356000000", "356000000"),  # La Poste
    ],
)
def test_normalize_siren_accepts_valid_numbers_with_separators(value: str, expected: str) -> None:
    # given a valid SIREN typed with or without separators / when normalised / then the 9 digits remain
    assert normalize_siren(value) == expected


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("732829321", "siren_checksum", "The SIREN 732 829 321 has a wrong check digit."),
        ("73282932", "siren_length", "A SIREN has 9 digits; this one has 8."),
        ("7328293200", "siren_length", "A SIREN has 9 digits; this one has 10."),
        ("73282932A", "siren_format", "A SIREN contains only digits; “73282932A” contains other characters."),
        ("७३२८२९३२०", "siren_format", "A SIREN contains only digits; “७३२८२९३२०” contains other characters."),
        ("   ", "empty", "This value is empty."),
    ],
)
def test_normalize_siren_refuses_invalid_numbers_naming_the_problem(
    value: str, code: str, message: str
) -> None:
    # given an invalid SIREN / when normalised / then the error names the problem
    assert error_of(normalize_siren, value) == (code, message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("73282932000074", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        (f"732{NBSP}829{NBSP}320{NBSP}00074", "73282932000074"),
        ("732.829.320-00074", "73282932000074"),
        ("35600000000048", "35600000000048"),  # La Poste head office: Luhn
        ("35600000049837", "35600000049837"),  # a La Poste establishment: digit sum multiple of 5, not Luhn
    ],
)
def test_normalize_siret_accepts_valid_numbers(value: str, expected: str) -> None:
    assert normalize_siret(value) == expected


def test_la_poste_establishment_is_valid_only_by_its_own_rule() -> None:
    # given a La Poste SIRET that fails Luhn but whose digits add up to a multiple of 5
    siret = "35600000049837"
    assert not luhn.is_valid(siret)
    assert sum(map(int, siret)) % 5 == 0
    # when normalised / then it is accepted, and one digit off is refused
    assert normalize_siret(siret) == siret
    assert error_of(normalize_siret, "35600000049838") == (
        "siret_checksum",
        "The SIRET 356 000 000 49838 has a wrong check digit.",
    )


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("12345678900012", "siret_checksum", "The SIRET 123 456 789 00012 has a wrong check digit."),
        ("73282932000075", "siret_checksum", "The SIRET 732 829 320 00075 has a wrong check digit."),
        ("7328293200007", "siret_length", "A SIRET has 14 digits; this one has 13."),
        ("732 829 320", "siret_length", "A SIRET has 14 digits; this one has 9."),
        (
            "732829320O0074",
            "siret_format",
            "A SIRET contains only digits; “732829320O0074” contains other characters.",
        ),
        ("", "empty", "This value is empty."),
    ],
)
def test_normalize_siret_refuses_invalid_numbers_naming_the_problem(
    value: str, code: str, message: str
) -> None:
    assert error_of(normalize_siret, value) == (code, message)


def test_normalize_siret_refuses_a_luhn_valid_number_whose_siren_part_is_not() -> None:
    # given a SIRET that passes Luhn as 14 digits but starts with a SIREN that fails it
    siret = next(f"123456789{n:05d}" for n in range(100000) if luhn.is_valid(f"123456789{n:05d}"))
    assert not luhn.is_valid("123456789")
    # when normalised / then it is refused
    assert error_of(normalize_siret, siret)[0] == "siret_checksum"


def test_siren_from_siret_takes_the_first_nine_digits_of_a_valid_siret() -> None:
    assert siren_from_siret("732 829 320 00074") == "732829320"


def test_siren_from_siret_refuses_an_invalid_siret() -> None:
    assert error_of(siren_from_siret, "73282932000075")[0] == "siret_checksum"


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (format_siren, "732829320", "732 829 320"),
        (format_siren, "732.829.320", "732 829 320"),
        (format_siret, "73282932000074", "732 829 320 00074"),
        (format_siret, f"732{NBSP}829320 00074", "732 829 320 00074"),
        # lenient on legacy data: returned as stored
        (format_siren, " 12345 ", "12345"),
        (format_siret, "N/A", "N/A"),
    ],
)
def test_format_siren_and_siret_for_display(
    function: Callable[[str], str], value: str, expected: str
) -> None:
    assert function(value) == expected


# VAT ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FR44732829320", "FR44732829320"),
        ("fr 44 732 829 320", "FR44732829320"),
        (f"FR{NBSP}44{NBSP}732829320", "FR44732829320"),
        ("FR59542051180", "FR59542051180"),
        ("DE136695976", "DE136695976"),
        ("de 136.695.976", "DE136695976"),
        ("BE0403170701", "BE0403170701"),
        ("BE403170701", "BE0403170701"),  # old 9-digit Belgian form, padded by stdnum
        ("EL094259216", "EL094259216"),
        ("GR094259216", "EL094259216"),  # ISO code for Greece; VAT numbers use EL
    ],
)
def test_normalize_vat_accepts_eu_numbers(value: str, expected: str) -> None:
    assert normalize_vat(value) == expected


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("FR45732829320", "vat_checksum", "The VAT number FR45732829320 has a wrong check digit."),
        ("FR44732829321", "vat_checksum", "The VAT number FR44732829321 has a wrong check digit."),
        (
            "FR4473282932",
            "vat_length",
            "The VAT number FR4473282932 does not have the length used in its country (FR).",
        ),
        (
            "DE13669597",
            "vat_length",
            "The VAT number DE13669597 does not have the length used in its country (DE).",
        ),
        (
            "FRIO732829320",
            "vat_format",
            "The VAT number FRIO732829320 is not in the format used in its country (FR).",
        ),
        (
            "44732829320",
            "vat_country",
            "A VAT number starts with the code of an EU country (for example FR, DE or BE); "
            "“44732829320” does not.",
        ),
        (
            "CHE-123.456.788",
            "vat_country",
            "A VAT number starts with the code of an EU country (for example FR, DE or BE); "
            "“CHE-123.456.788” does not.",
        ),
        ("", "empty", "This value is empty."),
    ],
)
def test_normalize_vat_refuses_invalid_numbers(value: str, code: str, message: str) -> None:
    assert error_of(normalize_vat, value) == (code, message)


@pytest.mark.parametrize(
    ("siren", "expected"),
    [
        ("732829320", "FR44732829320"),  # (12 + 3 * (732829320 % 97)) % 97 = 44
        ("542051180", "FR59542051180"),
        ("356000000", "FR39356000000"),  # La Poste
    ],
)
def test_french_vat_for_siren_computes_the_key(siren: str, expected: str) -> None:
    # given a SIREN / when its VAT number is computed / then the key follows the official formula
    assert french_vat_for_siren(siren) == expected
    assert int(expected[2:4]) == (12 + 3 * (int(siren) % 97)) % 97
    assert normalize_vat(expected) == expected


def test_french_vat_for_siren_pads_a_key_below_ten() -> None:
    # given a SIREN whose key is a single digit
    siren = next(
        f"{n:09d}"
        for n in range(100000000, 100100000)
        if luhn.is_valid(f"{n:09d}") and (12 + 3 * (n % 97)) % 97 < 10
    )
    key = (12 + 3 * (int(siren) % 97)) % 97
    # when its VAT number is computed / then the key has two digits
    assert french_vat_for_siren(siren) == f"FR0{key}{siren}"


def test_french_vat_for_siren_refuses_an_invalid_siren() -> None:
    assert error_of(french_vat_for_siren, "732829321")[0] == "siren_checksum"


@pytest.mark.parametrize(
    ("vat", "siren", "expected"),
    [
        ("FR44732829320", "732829320", True),
        ("FR 44 732 829 320", "732 829 320", True),
        ("FR59542051180", "732829320", False),  # a valid VAT number, but another company's
        ("DE136695976", "732829320", True),  # not French: nothing to compare
    ],
)
def test_vat_matches_siren(vat: str, siren: str, expected: bool) -> None:
    assert vat_matches_siren(vat, siren) is expected


def test_vat_matches_siren_compares_the_siren_part_of_a_new_style_french_number() -> None:
    # given a valid French VAT number with an alphanumeric key (stdnum's documented example)
    vat = "FRK7399859412"
    assert normalize_vat(vat) == vat
    # when compared to its SIREN and to another / then only its own matches
    assert vat_matches_siren(vat, "399859412") is True
    assert vat_matches_siren(vat, "732829320") is False


def test_vat_matches_siren_refuses_invalid_input() -> None:
    assert error_of(vat_matches_siren, "FR45732829320", "732829320")[0] == "vat_checksum"
    assert error_of(vat_matches_siren, "FR44732829320", "73282932")[0] == "siren_length"


# NAF ------------------------------------------------------------------------------------------------


def test_naf_file_holds_the_732_sub_classes_of_naf_rev_2() -> None:
    # given the shipped file / when read / then it has INSEE's 732 sub-classes, unique, well formed
    with (DATA_DIR / "naf_rev2.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    codes = [row["code"] for row in rows]
    assert NAF_VERSION == "NAFRev2"
    assert len(rows) == 732
    assert len(set(codes)) == 732
    assert codes == sorted(codes)
    assert [normalize_naf(code) for code in codes] == codes
    assert all(row["label_fr"] == " ".join(row["label_fr"].split()) != "" for row in rows)


def test_every_naf_sub_class_falls_in_a_nace_rev_2_class() -> None:
    # given NAF rév. 2, which refines NACE rev. 2 by a letter / when each class is looked up in stdnum's
    # NACE rev. 2 table (an independent source) / then all exist, and all 615 NACE classes are used
    classes = {code[:5].replace(".", "") for code, _label in naf_choices()}
    assert [c for c in sorted(classes) if not nace.is_valid(c, revision="2.0")] == []
    assert len(classes) == 615


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("62.01Z", "Programmation informatique"),
        ("70.10Z", "Activités des sièges sociaux"),
        ("01.11Z", "Culture de céréales (à l'exception du riz), de légumineuses et de graines oléagineuses"),
        ("56.10A", "Restauration traditionnelle"),
        ("99.00Z", "Activités des organisations et organismes extraterritoriaux"),
        # INSEE's file has stray trailing spaces, line breaks or double spaces in these four
        ("87.10B", "Hébergement médicalisé pour enfants handicapés"),
        ("88.99A", "Autre accueil ou accompagnement sans hébergement d\u2019enfants et d\u2019adolescents"),
        ("88.10A", "Aide à domicile"),
        ("20.13A", "Enrichissement et retraitement de matières nucléaires"),
    ],
)
def test_naf_label_gives_the_french_label(code: str, label: str) -> None:
    assert naf_label(code) == label


@pytest.mark.parametrize(
    "value", ["62.01Z", "6201Z", "62.01z", "62 01 Z", "6201z", f"62{NBSP}01Z", " 62-01-Z "]
)
def test_normalize_naf_accepts_common_spellings(value: str) -> None:
    assert normalize_naf(value) == "62.01Z"


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("62.01A", "naf_unknown", "62.01A is not a code of the French activity classification (NAFRev2)."),
        ("00.00Z", "naf_unknown", "00.00Z is not a code of the French activity classification (NAFRev2)."),
        (
            "6201",
            "naf_format",
            "“6201” is not a NAF code: a NAF code is four digits and a letter, such as 62.01Z.",
        ),
        (
            "62.01ZZ",
            "naf_format",
            "“62.01ZZ” is not a NAF code: a NAF code is four digits and a letter, such as 62.01Z.",
        ),
        ("", "empty", "This value is empty."),
    ],
)
def test_normalize_naf_refuses_unknown_or_malformed_codes(value: str, code: str, message: str) -> None:
    assert error_of(normalize_naf, value) == (code, message)


def test_naf_label_refuses_an_unknown_code() -> None:
    assert error_of(naf_label, "62.01A")[0] == "naf_unknown"


def test_naf_choices_list_every_code_with_its_label() -> None:
    choices = naf_choices()
    assert len(choices) == 732
    assert choices[0] == (
        "01.11Z",
        "01.11Z — Culture de céréales (à l'exception du riz), de légumineuses et de graines oléagineuses",
    )
    assert ("62.01Z", "62.01Z — Programmation informatique") in choices


def test_an_unknown_naf_version_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="Unknown NAF version 'NAF2025'"):
        normalize_naf("62.01Z", version="NAF2025")


# Phones ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06.12.34.56.78", "FR", "+33612345678"),
        (f"06{NBSP}12{NBSP}34{NBSP}56{NBSP}78", "FR", "+33612345678"),
        ("+33 6 12 34 56 78", "FR", "+33612345678"),
        ("+33 (0)1 42 68 53 00", "FR", "+33142685300"),
        ("01 42 68 53 00", "fr", "+33142685300"),
        ("+32 2 555 12 12", "FR", "+3225551212"),
        ("0032 2 555 12 12", "FR", "+3225551212"),  # dialled from France
        ("02 555 12 12", "BE", "+3225551212"),
        ("+32 470 12 34 56", "FR", "+32470123456"),
        ("0692 12 34 56", "FR", "+262692123456"),  # Réunion mobile as dialled from mainland France
        ("06 12 34 56 78", "RE", "+33612345678"),  # and the other way round
        ("+44 20 7946 0958", "FR", "+442079460958"),
    ],
)
def test_normalize_phone_gives_e164(value: str, region: str, expected: str) -> None:
    assert normalize_phone(value, default_region=region) == expected


def test_normalize_phone_defaults_to_france() -> None:
    assert normalize_phone("06 12 34 56 78") == "+33612345678"


@pytest.mark.parametrize(
    ("value", "region"),
    [
        ("06 12 34", "FR"),
        ("01 23", "FR"),
        ("hello", "FR"),
        ("+33 6 12 34 56 78 90", "FR"),
        ("+999 123 456", "FR"),
        ("06 12 34 56 78", "BE"),  # a Belgian 06 number does not exist
    ],
)
def test_normalize_phone_refuses_invalid_numbers(value: str, region: str) -> None:
    assert error_of(normalize_phone, value, default_region=region) == (
        "phone_invalid",
        f"This phone number is not valid: {value}.",
    )


def test_normalize_phone_refuses_an_extension_rather_than_dropping_it() -> None:
    assert error_of(normalize_phone, "01 42 68 53 00 ext. 12") == (
        "phone_extension",
        "This phone number has an extension, which cannot be stored: 01 42 68 53 00 ext. 12. "
        "Enter it without.",
    )


def test_normalize_phone_refuses_blank() -> None:
    assert error_of(normalize_phone, " ") == ("empty", "This value is empty.")


@pytest.mark.parametrize(
    ("e164", "region", "expected"),
    [
        ("+33142685300", "FR", "01 42 68 53 00"),
        ("+33612345678", "fr", "06 12 34 56 78"),
        ("+33142685300", "BE", "+33 1 42 68 53 00"),
        ("+3225551212", "FR", "+32 2 555 12 12"),
        ("+3225551212", "BE", "02 555 12 12"),
        ("+262692123456", "FR", "0692 12 34 56"),  # same French numbering plan
        ("not a number", "FR", "not a number"),  # legacy data shown as stored
    ],
)
def test_format_phone(e164: str, region: str, expected: str) -> None:
    assert format_phone(e164, region=region) == expected


# Emails and names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jean.Dupont@Example.FR", "jean.dupont@example.fr"),
        ("  contact@durand-industries.fr \n", "contact@durand-industries.fr"),
        ("Contact@Société.fr", "contact@société.fr"),  # internationalised domain
    ],
)
def test_normalize_email(value: str, expected: str) -> None:
    assert normalize_email(value) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("jean.dupont", "jean.dupont"),
        ("jean dupont@example.fr", "jean dupont@example.fr"),
        ("Jean@", "jean@"),
        ("jean@example", "jean@example"),
        ("élodie@exemple.fr", "élodie@exemple.fr"),  # Django accepts no non-ASCII local part
    ],
)
def test_normalize_email_refuses_invalid_addresses(value: str, shown: str) -> None:
    assert error_of(normalize_email, value) == ("email_invalid", f"This email address is not valid: {shown}.")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Jean-Pierre   de La Fontaine ", "Jean-Pierre de La Fontaine"),
        (f"Société{NBSP}Générale", "Société Générale"),
        (f"L'Oréal\t{NARROW_NBSP}SA\n", "L'Oréal SA"),
        ("ÉLODIE", "ÉLODIE"),
        ("   ", ""),
    ],
)
def test_normalize_name_collapses_whitespace_and_keeps_case_and_accents(value: str, expected: str) -> None:
    assert normalize_name(value) == expected


# Addresses and reference codes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("75008", "FR", "75008"),
        (" 75 008 ", "fr", "75008"),
        ("20000", "FR", "20000"),  # Ajaccio, Corsica
        ("20200", "FR", "20200"),  # Bastia
        ("01000", "FR", "01000"),
        ("97400", "FR", "97400"),  # Saint-Denis, La Réunion, entered as France
        ("97400", "RE", "97400"),
        ("97200", "MQ", "97200"),
        ("98000", "MC", "98000"),  # Monaco uses French postal codes
        ("98800", "NC", "98800"),
        ("1000", "BE", "1000"),
        ("10115", "DE", "10115"),
        ("sw1a  1aa", "GB", "SW1A 1AA"),
        ("1012 ab", "Netherlands", "1012 AB"),
        ("00-950", "PL", "00-950"),
    ],
)
def test_normalize_postal_code_accepts(value: str, country: str, expected: str) -> None:
    assert normalize_postal_code(value, country=country) == expected


@pytest.mark.parametrize(
    ("value", "country", "code", "message"),
    [
        (
            "7500",
            "FR",
            "postal_code_format",
            "A French postal code has 5 digits, such as 75008; “7500” does not.",
        ),
        (
            "750080",
            "FR",
            "postal_code_format",
            "A French postal code has 5 digits, such as 75008; “750080” does not.",
        ),
        (
            "2A004",
            "FR",
            "postal_code_format",
            "A French postal code has 5 digits, such as 75008; “2A004” does not.",
        ),
        (
            "00100",
            "FR",
            "postal_code_unknown",
            "The postal code 00100 does not exist in France: it must start with a department number.",
        ),
        (
            "96000",
            "FR",
            "postal_code_unknown",
            "The postal code 96000 does not exist in France: it must start with a department number.",
        ),
        ("75008", "RE", "postal_code_unknown", "Postal codes of RE start with 974; 75008 does not."),
        (
            "7400",
            "RE",
            "postal_code_format",
            "A French postal code has 5 digits, such as 75008; “7400” does not.",
        ),
        (
            "12345678901",
            "DE",
            "postal_code_length",
            "A postal code has at most 10 characters; “12345678901” has 11.",
        ),
        (
            "1000/BXL",
            "BE",
            "postal_code_format",
            "A postal code contains only letters, digits, spaces and hyphens; "
            "“1000/BXL” has other characters.",
        ),
        ("", "FR", "empty", "This value is empty."),
    ],
)
def test_normalize_postal_code_refuses(value: str, country: str, code: str, message: str) -> None:
    assert error_of(normalize_postal_code, value, country=country) == (code, message)


def test_normalize_postal_code_refuses_an_unknown_country() -> None:
    assert error_of(normalize_postal_code, "75008", country="ZZ")[0] == "country_unknown"


def test_countries_file_holds_the_249_iso_3166_1_codes() -> None:
    with (DATA_DIR / "countries.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 249
    assert all(len(row["code"]) == 2 and len(row["alpha3"]) == 3 for row in rows)
    assert len({row["code"] for row in rows}) == 249


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FR", "FR"),
        ("fr", "FR"),
        (" be ", "BE"),
        ("FRA", "FR"),
        ("deu", "DE"),
        ("France", "FR"),
        ("allemagne", "DE"),
        ("Germany", "DE"),
        ("Royaume-Uni", "GB"),
        ("Côte d'Ivoire", "CI"),
        ("RE", "RE"),
    ],
)
def test_normalize_country(value: str, expected: str) -> None:
    assert normalize_country(value) == expected


@pytest.mark.parametrize("value", ["ZZ", "UK", "EU", "FRX", "Francia", "F"])
def test_normalize_country_refuses_unknown_values(value: str) -> None:
    assert error_of(normalize_country, value) == (
        "country_unknown",
        f"“{value}” is not a country: enter an ISO 3166-1 code such as FR or FRA, or its name.",
    )


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "Allemagne"), ("en", "Germany"), ("de", "Germany")]
)
def test_country_name_follows_the_active_language(language: str, expected: str) -> None:
    with translation.override(language):
        assert country_name("de") == expected


def test_country_choices_are_sorted_by_name_in_the_active_language() -> None:
    with translation.override("fr"):
        choices = country_choices()
    assert len(choices) == 249
    assert choices[0] == ("AF", "Afghanistan")
    assert choices[1] == ("ZA", "Afrique du Sud")
    assert ("FR", "France") in choices


@pytest.mark.parametrize(
    ("value", "expected"), [("EUR", "EUR"), ("eur", "EUR"), (" chf ", "CHF"), ("XPF", "XPF")]
)
def test_normalize_currency(value: str, expected: str) -> None:
    assert normalize_currency(value) == expected


@pytest.mark.parametrize("value", ["FRF", "XAU", "XTS", "EURO", "€", "US"])
def test_normalize_currency_refuses_unknown_withdrawn_and_non_money_codes(value: str) -> None:
    assert error_of(normalize_currency, value) == (
        "currency_unknown",
        f"“{value}” is not an ISO 4217 currency code such as EUR.",
    )


def test_currency_choices_show_code_and_name() -> None:
    with translation.override("fr"):
        choices = currency_choices()
    assert len(choices) == 155
    assert ("EUR", "EUR — Euro") in choices
    assert ("USD", "USD — Dollar américain") in choices


@pytest.mark.parametrize(("value", "expected"), [("fr", "fr"), ("FR", "fr"), (" en ", "en"), ("nl", "nl")])
def test_normalize_language(value: str, expected: str) -> None:
    assert normalize_language(value) == expected


@pytest.mark.parametrize("value", ["fra", "fr-FR", "xx", "sh", "français"])
def test_normalize_language_refuses_what_is_not_iso_639_1(value: str) -> None:
    assert error_of(normalize_language, value) == (
        "language_unknown",
        f"“{value}” is not an ISO 639-1 language code such as fr or en.",
    )


def test_language_choices_in_the_active_language() -> None:
    with translation.override("en"):
        choices = language_choices()
    assert len(choices) == 183
    assert ("fr", "French") in choices
    assert ("de", "German") in choices


# Messages -------------------------------------------------------------------------------------------


def test_messages_are_translated_when_rendered_not_when_raised() -> None:
    # given an error raised while French is active
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        normalize_siret("7328293200007")
    # when rendered in English / then the English text comes out, the parameters filled in
    with translation.override("en"):
        assert caught.value.messages == ["A SIRET has 14 digits; this one has 13."]
    assert caught.value.params == {"length": 13}
