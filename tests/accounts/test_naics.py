"""NAICS 2022 codes for companies outside France: the normaliser, and the same rule through the account
page, the API and the import."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from accounts import identifiers
from accounts.identifiers import naics_title, normalize_naics
from accounts.imports import services as import_services
from accounts.models import Account
from crm.roles import Role
from crm.services import api_key_create
from crm.tenancy import tenant_scope

DATA_DIR = Path(identifiers.__file__).resolve().parent / "data"


def error_of(function: Callable[..., object], *args: object) -> tuple[str, str, str]:
    """(code, English message, French message) of the ValidationError `function` must raise."""
    with pytest.raises(ValidationError) as caught:
        function(*args)
    with translation.override("en"):
        english = str(caught.value.messages[0])
    with translation.override("fr"):
        french = str(caught.value.messages[0])
    return caught.value.code or "", english, french


def test_the_shipped_list_is_the_whole_of_naics_2022() -> None:
    with (DATA_DIR / "naics_2022.csv").open(encoding="utf-8", newline="") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    levels = Counter(len(code) if code.isdigit() else 2 for code in codes)
    digit_codes = {code for code in codes if code.isdigit()}

    # 20 sectors, 96 subsectors, 308 industry groups, 689 industries, 1,012 national industries.
    assert levels == {2: 20, 3: 96, 4: 308, 5: 689, 6: 1012}
    assert len(set(codes)) == len(codes)
    # Every code below a sector has its parents in the list.
    assert {code[:length] for code in digit_codes if len(code) > 3 for length in range(3, len(code))} <= (
        digit_codes
    )
    assert sorted(code for code in codes if len(code) <= 5 and not code[2:3].isdigit()) == [
        "11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52", "53", "54", "55", "56",
        "61", "62", "71", "72", "81", "92",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("541511", "541511"),  # Custom Computer Programming Services
        (" 541 511 ", "541511"),
        ("54.15.11", "541511"),
        ("5415", "5415"),
        ("54", "54"),
        ("31-33", "31-33"),
        ("32", "31-33"),
        ("45", "44-45"),
        ("48 - 49", "48-49"),
        ("455211", "455211"),  # new in 2022: Warehouse Clubs and Supercenters
        ("516210", "516210"),  # new in 2022: media streaming and social networks
    ],
)
def test_real_naics_2022_codes_are_accepted_and_stored_compact(value: str, expected: str) -> None:
    assert normalize_naics(value) == expected


MESSAGES = {
    "naics_format": (
        "\u201c{value}\u201d is not a NAICS code: a NAICS code has 2 to 6 digits, such as 541511.",
        "\u00ab {value} \u00bb n\u2019est pas un code NAICS : un code NAICS a de 2 \u00e0 6 chiffres, "
        "par exemple 541511.",
    ),
    "naics_unknown": (
        "{value} is not a code of the NAICS 2022 classification.",
        "{value} n\u2019est pas un code de la nomenclature NAICS 2022.",
    ),
}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("5", "naics_format"),
        ("5415110", "naics_format"),
        ("54A511", "naics_format"),
        ("\u0661\u0661", "naics_format"),  # Arabic-Indic digits
        ("99", "naics_unknown"),
        ("454110", "naics_unknown"),  # Electronic Shopping: NAICS 2017, folded into 455-459 in 2022
        ("31-35", "naics_unknown"),
    ],
)
def test_a_wrong_naics_code_is_refused_in_english_and_french(value: str, code: str) -> None:
    english, french = MESSAGES[code]

    assert error_of(normalize_naics, value) == (code, english.format(value=value), french.format(value=value))


def test_blank_is_the_callers_decision() -> None:
    assert error_of(normalize_naics, "  ")[0] == "empty"


def test_the_title_of_a_code() -> None:
    assert naics_title("541 511") == "Custom Computer Programming Services"
    assert naics_title("33") == "Manufacturing"


# The same rule through the page, the API and the import -------------------------------------------


def test_the_account_page_refuses_an_unknown_naics_code_on_its_field(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    data = {"legal_name": "Acme Inc.", "account_type": "prospect", "owner": rep.user_id, "currency": "USD"}

    refused = client.post(
        "/t/durand/accounts/new/", {**data, "naics_code": "999999"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    accepted = client.post("/t/durand/accounts/new/", {**data, "naics_code": "54 15 11"})

    assert refused.status_code == 200
    assert refused.context["form"].errors["naics_code"] == [
        "999999 is not a code of the NAICS 2022 classification."
    ]
    assert accepted.status_code == 302
    with tenant_scope(tenant):
        assert list(Account.objects.values_list("legal_name", "naics_code")) == [("Acme Inc.", "541511")]


def test_the_api_refuses_an_unknown_naics_code_with_the_field_named(tenant, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        key = api_key_create(tenant=tenant, name="ERP", role=Role.TENANT_ADMIN, actor=admin.user)[1]
    client = Client(headers={"authorization": f"Bearer {key}", "accept-language": "fr"})

    response = client.post(
        "/api/v1/accounts/", {"legal_name": "Acme Inc.", "naics_code": "12"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "naics_code": ["12 n\u2019est pas un code de la nomenclature NAICS 2022."]
    }
    with tenant_scope(tenant):
        assert not Account.objects.exists()


def test_the_import_maps_a_naics_column_and_rejects_a_wrong_code_with_its_reason(tenant, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    content = b"Company;NAICS code\nAcme Inc.;541511\nGlobex Corp.;5415110\n"
    with tenant_scope(tenant), translation.override("en"):
        job = import_services.import_create(
            tenant=tenant, actor=admin.user, filename="us.csv", content=content, kind="accounts"
        )
        assert job.mapping == {"0": "legal_name", "1": "naics_code"}
        import_services.import_dry_run(job=job)

    job = import_services.import_run(job=job)

    assert (job.created_count, job.rejected_count) == (1, 1)
    assert job.rejects[0]["reason"] == (
        "NAICS code: “5415110” is not a NAICS code: a NAICS code has 2 to 6 digits, such as 541511."
    )
    with tenant_scope(tenant):
        assert list(Account.objects.values_list("legal_name", "naics_code")) == [("Acme Inc.", "541511")]
