"""Account imports: the files people really send, refusals before anything is written, rejected rows
with their reasons, batches, the job's idempotence, and the pages (upload, mapping, check, progress)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from accounts import identifiers
from accounts.imports import parsing, services
from accounts.imports.models import ImportJob
from accounts.imports.tasks import import_run_task
from accounts.models import Account, Address, TerritoryRule
from crm.celery import app as celery_app
from crm.models import Membership, Tenant, User
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance import search
from governance.models import Territory
from tests.accounts.factories import AccountFactory, valid_siret
from tests.accounts.test_contact_imports import name_of
from tests.crm.test_jobs import worker_environment
from tests.factories import MembershipFactory

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


@pytest.fixture
def admin(tenant, member):
    return member(tenant, Role.TENANT_ADMIN)


def create_job(tenant, membership, content: bytes, filename: str = "accounts.csv") -> ImportJob:
    with tenant_scope(tenant), translation.override("en"):
        return services.import_create(
            tenant=tenant, actor=membership.user, filename=filename, content=content, kind="accounts"
        )


def run(tenant, job: ImportJob) -> ImportJob:
    """Check then run, as the pages and the task do."""
    with tenant_scope(tenant):
        services.import_dry_run(job=job)
    return services.import_run(job=job)


def accounts_of(tenant) -> dict[str, Account]:
    with tenant_scope(tenant):
        return {account.legal_name: account for account in Account.objects.all()}


# Reading files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 250 000,50", Decimal("1250000.50")),
        ("1\u202f250\u00a0000,50 €", Decimal("1250000.50")),
        ("1.250.000,50", Decimal("1250000.50")),
        ("1,250,000.50", Decimal("1250000.50")),
        ("1250000.5", Decimal("1250000.5")),
        ("12,5", Decimal("12.5")),
        ("", None),
    ],
)
def test_amounts_are_read_in_french_and_english_notation(text: str, expected: Decimal | None) -> None:
    assert parsing.parse_decimal(text) == expected


def test_dates_are_read_day_first_or_iso_and_nonsense_is_refused() -> None:
    assert parsing.parse_date("05/03/2024") == date(2024, 3, 5)
    assert parsing.parse_date("5.3.2024") == date(2024, 3, 5)
    assert parsing.parse_date("2024-03-05") == date(2024, 3, 5)
    with pytest.raises(ValidationError):
        parsing.parse_date("31/02/2024")
    with pytest.raises(ValidationError):
        parsing.parse_date("March 5th")


def test_french_and_english_headers_are_mapped_to_fields() -> None:
    headers = ["Raison sociale", "SIRET", "N° TVA", "Code NAF", "CP", "Ville", "Pays", "Site web", "Notes"]
    english = ["Company", "VAT", "APE", "Postal code", "City", "Country", "Website", "Type"]

    assert parsing.suggest_mapping(headers) == {
        "0": "legal_name",
        "1": "siret",
        "2": "vat_number",
        "3": "naf_code",
        "4": "postal_code",
        "5": "city",
        "6": "country",
        "7": "website",
    }
    assert parsing.suggest_mapping(english) == {
        "0": "legal_name",
        "1": "vat_number",
        "2": "naf_code",
        "3": "postal_code",
        "4": "city",
        "5": "country",
        "6": "website",
        "7": "account_type",
    }


def test_reasons_are_written_in_the_importers_language_with_its_punctuation(tenant, admin) -> None:
    content = f"Raison sociale;SIRET;CA\nAlpha;{valid_siret(1)[:13]}0;100\n;;200\nGamma;;beaucoup\n".encode()
    with tenant_scope(tenant), translation.override("fr"):  # the job keeps its author's language
        job = services.import_create(
            tenant=tenant, actor=admin.user, filename="comptes.csv", content=content, kind="accounts"
        )
    job = run(tenant, job)

    reasons = [reject["reason"] for reject in sorted(job.rejects, key=lambda reject: reject["row"])]
    assert reasons[0].startswith("SIRET\u00a0: ")
    assert reasons[1].startswith("Raison sociale\u00a0: ")
    assert reasons[2].startswith("Chiffre d\u2019affaires client\u00a0: \u00ab")


@pytest.mark.parametrize(
    "header",
    ["N° TVA intracommunautaire", "Numéro de TVA intracommunautaire", "N° de TVA intracom.", "No TVA"],
)
def test_the_usual_ways_of_naming_the_vat_column_are_recognised(header: str) -> None:
    assert parsing.suggest_mapping(["Raison sociale", header]) == {"0": "legal_name", "1": "vat_number"}


# Refused before anything is written ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("empty.csv", b"", "The file is empty."),
        ("blank.csv", b" \r\n\r\n", "The file is empty."),
        ("photo.csv", PNG, "This file is not a CSV text file. Save it as CSV or XLSX and try again."),
        ("accounts.pdf", b"%PDF-1.4", "Only CSV and XLSX files can be imported."),
        ("fake.xlsx", b"Raison sociale\nDurand", "This file is not a valid XLSX workbook."),
        (
            "unknown.csv",
            b"Foo;Bar\n1;2\n",
            "No column of this file was recognised. The first row must hold the column names "
            "(for example \u201cRaison sociale\u201d, \u201cSIRET\u201d, \u201cCode postal\u201d).",
        ),
    ],
)
def test_an_unreadable_file_is_refused_before_anything_is_written(
    tenant, admin, filename: str, content: bytes, message: str
) -> None:
    with pytest.raises(ValidationError) as refusal:
        create_job(tenant, admin, content, filename)

    assert refusal.value.message_dict == {"file": [message]}
    with tenant_scope(tenant):
        assert ImportJob.objects.count() == 0
        assert Account.objects.count() == 0


# The files people send ----------------------------------------------------------------------------


def test_excel_french_csv_utf8_bom_semicolons_decimal_comma_and_day_first_dates(tenant, admin) -> None:
    siret = valid_siret(1)
    content = (
        "\ufeffRaison sociale;SIRET;Type;CA client;Dernier achat;Adresse;Code postal;Ville;Pays\r\n"
        f"Boulangerie Petit;{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]};Client;1 250 000,50;"
        "05/03/2024;12 rue de la Paix;75002;Paris;France\r\n"
    ).encode()

    job = run(tenant, create_job(tenant, admin, content))

    assert (job.status, job.created_count, job.rejected_count, job.encoding, job.delimiter) == (
        ImportJob.Status.DONE,
        1,
        0,
        "utf-8-sig",
        ";",
    )
    account = accounts_of(tenant)["Boulangerie Petit"]
    assert account.siret == siret
    assert account.siren == siret[:9]
    assert account.account_type == Account.Type.CUSTOMER
    assert account.customer_revenue == Decimal("1250000.50")
    assert account.last_purchase_date == date(2024, 3, 5)
    assert account.owner == admin.user
    with tenant_scope(tenant):
        address = Address.objects.get(account=account)
    assert (address.kind, address.line1, address.postal_code, address.city, address.country) == (
        Address.Kind.HEAD_OFFICE,
        "12 rue de la Paix",
        "75002",
        "Paris",
        "FR",
    )


def test_windows_1252_with_accents(tenant, admin) -> None:
    content = "Raison sociale,Nom commercial\r\nSociété Générale d'Éclairage,Lumière & Cie\r\n".encode(
        "cp1252"
    )

    job = run(tenant, create_job(tenant, admin, content))

    assert (job.encoding, job.delimiter, job.created_count) == ("cp1252", ",", 1)
    assert accounts_of(tenant)["Société Générale d'Éclairage"].trade_name == "Lumière & Cie"


def test_a_quoted_field_may_hold_a_newline_and_the_separator(tenant, admin) -> None:
    content = (
        "Company\tAddress\tPostal code\tCity\r\n"
        '"Garage\tMoreau"\t"3 rue Haute\r\nBâtiment B"\t69001\tLyon\r\n'
        "Hôtel Lambert\t1 quai d'Orsay\t75007\tParis\r\n"
    ).encode()

    job = run(tenant, create_job(tenant, admin, content))

    assert (job.delimiter, job.total_rows, job.created_count, job.rejected_count) == ("\t", 2, 2, 0)
    with tenant_scope(tenant):
        lines = dict(Address.objects.values_list("account__legal_name", "line1"))
    assert lines["Garage Moreau"] == "3 rue Haute Bâtiment B"


def test_an_xlsx_workbook_with_numbers_and_dates(tenant, admin) -> None:
    siret = valid_siret(2)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Raison sociale", "SIRET", "Potentiel", "Dernier achat"])
    sheet.append(["Atelier Martin", int(siret), 15000.5, date(2023, 12, 24)])
    sheet.append([None, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    job = run(tenant, create_job(tenant, admin, buffer.getvalue(), "export.xlsx"))

    assert (job.file_format, job.total_rows, job.created_count) == ("xlsx", 1, 1)
    account = accounts_of(tenant)["Atelier Martin"]
    assert (account.siret, account.estimated_potential, account.last_purchase_date) == (
        siret,
        Decimal("15000.50"),
        date(2023, 12, 24),
    )


def broken_file() -> bytes:
    good, other = valid_siret(3), valid_siret(4)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    return (
        "Raison sociale;SIRET;CA client\n"
        f"Alpha Conseil;{good};100\n"
        f"Bêta Industrie;{bad};200\n"
        f";{other};300\n"
        "Gamma Transports;;beaucoup\n"
        f"Delta Services;{good};400\n"
        "Omega;=2+3;\n"
        "Epsilon Conseil;;\n"
    ).encode()


def test_broken_rows_are_rejected_with_their_reasons_and_the_others_imported(tenant, admin) -> None:
    job = create_job(tenant, admin, broken_file())
    with tenant_scope(tenant):
        report = services.import_dry_run(job=job)

    assert (report.total, report.valid, report.to_create, report.error_count) == (7, 2, 2, 5)
    assert [error["row"] for error in report.errors] == [3, 4, 5, 6, 7]
    with tenant_scope(tenant):
        assert Account.objects.count() == 0  # the check writes nothing

    job = services.import_run(job=job)

    assert (job.status, job.total_rows, job.processed_rows) == (ImportJob.Status.DONE, 7, 7)
    assert (job.created_count, job.updated_count, job.skipped_count, job.rejected_count) == (2, 0, 0, 5)
    assert sorted(accounts_of(tenant)) == ["Alpha Conseil", "Epsilon Conseil"]
    reasons = {reject["row"]: reject["reason"] for reject in job.rejects}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert reasons[3].startswith("SIRET: ")
    assert reasons[4] == "Legal name: The legal name is required."
    assert reasons[5] == "Customer revenue: \u201cbeaucoup\u201d is not a number."
    assert reasons[6] == "This SIRET is already on an earlier row of the file."
    assert job.rejects[1]["values"] == ["", valid_siret(4), "300"]


def test_the_rejected_rows_download_as_a_csv_to_fix_and_import_again(tenant, admin) -> None:
    job = run(tenant, create_job(tenant, admin, broken_file(), "clients 2024.csv"))
    client = Client()
    client.force_login(admin.user)

    response = client.get(f"/t/durand/imports/{job.pk}/rejects.csv", **ENGLISH)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="clients_2024-rejects.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Raison sociale", "SIRET", "CA client", "Line", "Reason"]
    assert [row[3] for row in rows[1:]] == ["3", "4", "5", "6", "7"]
    assert rows[2] == ["", valid_siret(4), "300", "4", "Legal name: The legal name is required."]
    assert rows[5][:2] == ["Omega", "'=2+3"]  # no formula runs when the file is opened


def test_create_or_update_matches_on_the_siret_and_update_only_leaves_new_ones_out(tenant, admin) -> None:
    known, new = valid_siret(5), valid_siret(6)
    with tenant_scope(tenant):
        existing = AccountFactory(legal_name="Ancien Nom", siret=known, siren=known[:9], owner=admin.user)
    content = f"SIRET;Raison sociale\n{known};Nouveau Nom\n{new};Epsilon SA\n".encode()

    update_only = create_job(tenant, admin, content)
    with tenant_scope(tenant):
        services.import_set_mapping(job=update_only, mapping=update_only.mapping, mode="update")
    update_only = run(tenant, update_only)

    assert (update_only.updated_count, update_only.skipped_count, update_only.created_count) == (1, 1, 0)
    with tenant_scope(tenant):
        existing.refresh_from_db()
        assert existing.legal_name == "Nouveau Nom"
        assert existing.version == 2
        assert not Account.objects.filter(siret=new).exists()


def test_a_batch_failing_unexpectedly_is_rolled_back_reported_and_the_next_batches_go_on(
    tenant, admin, monkeypatch
) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    account_rows = services._account_rows

    def write_or_fail(job, chunk, **kwargs):
        outcomes = account_rows(job, chunk, **kwargs)  # "Lot Deux A" is written, then the batch fails
        if any(parsing.cell_text(cells[0]) == "Lot Deux B" for _number, cells in chunk):
            raise RuntimeError("the database went away")
        return outcomes

    monkeypatch.setattr(services, "_account_rows", write_or_fail)
    content = b"Nom\nLot Un A\nLot Un B\nLot Deux A\nLot Deux B\nLot Trois A\n"

    job = services.import_run(job=create_job(tenant, admin, content))

    assert (job.status, job.processed_rows, job.created_count, job.rejected_count) == (
        ImportJob.Status.DONE,
        5,
        3,
        2,
    )
    assert sorted(accounts_of(tenant)) == ["Lot Trois A", "Lot Un A", "Lot Un B"]  # "Lot Deux A" rolled back
    assert [(reject["row"], reject["values"]) for reject in job.rejects] == [
        (4, ["Lot Deux A"]),
        (5, ["Lot Deux B"]),
    ]
    assert job.rejects[0]["reason"] == (
        "This row was not imported: an unexpected error stopped its batch. Import it again."
    )


def test_a_likely_duplicate_of_an_existing_account_is_rejected_with_its_reason_not_its_name(
    tenant, admin
) -> None:
    with tenant_scope(tenant):
        existing = AccountFactory(legal_name="Boulangerie Petit", owner=admin.user)
        Address.objects.create(
            tenant=tenant, account=existing, kind=Address.Kind.HEAD_OFFICE, line1="1 rue Vieille",
            postal_code="75002", city="Paris",
        )  # fmt: skip
    content = b"Raison sociale;Adresse;CP;Ville\nBoulangerie Petit;12 rue de la Paix;75002;Paris\n"

    job = run(tenant, create_job(tenant, admin, content))

    assert (job.created_count, job.rejected_count) == (0, 1)
    # The importer may not be allowed to see the matching account: its name is not given.
    assert job.rejects[0]["reason"] == (
        "This looks like a record that already exists. (similar name in the same postal code)"
    )
    with tenant_scope(tenant):
        assert Account.objects.count() == 1
        assert Address.objects.count() == 1


# The job ------------------------------------------------------------------------------------------


def test_the_task_imports_once_even_when_delivered_twice(
    tenant, admin, django_capture_on_commit_callbacks
) -> None:
    job = create_job(tenant, admin, "Raison sociale\nZêta Logistique\nÉta Bâtiment\n".encode())
    with tenant_scope(tenant):
        services.import_dry_run(job=job)
        assert services.import_start(job=job) is True
        assert services.import_start(job=job) is False  # a second click queues nothing

    with django_capture_on_commit_callbacks(execute=True):
        first = import_run_task(tenant_id=tenant.pk, job_id=job.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = import_run_task(tenant_id=tenant.pk, job_id=job.pk)

    assert (first, again, callbacks) == (True, False, [])
    with tenant_scope(tenant):
        job.refresh_from_db()
        assert Account.objects.count() == 2
    assert (job.status, job.created_count, job.processed_rows) == (ImportJob.Status.DONE, 2, 2)
    assert job.finished_at is not None


def test_a_job_of_another_tenant_is_not_run(tenant, other_tenant, admin, member) -> None:
    job = create_job(tenant, admin, b"Raison sociale\nTheta\n")
    with tenant_scope(tenant):
        services.import_dry_run(job=job)
        services.import_start(job=job)
    member(other_tenant, Role.TENANT_ADMIN)

    assert import_run_task(tenant_id=other_tenant.pk, job_id=job.pk) is False
    with tenant_scope(tenant):
        job.refresh_from_db()
        assert job.status == ImportJob.Status.QUEUED
        assert Account.objects.count() == 0


def test_a_row_the_role_may_not_write_is_rejected(tenant, member) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    siret = valid_siret(7)
    with tenant_scope(tenant):
        AccountFactory(legal_name="Iota", siret=siret, siren=siret[:9], owner=colleague.user)
    job = create_job(tenant, rep, f"SIRET;Raison sociale\n{siret};Iota Renommée\n".encode())
    with tenant_scope(tenant):
        services.import_set_mapping(job=job, mapping=job.mapping, mode="create_or_update")

    job = run(tenant, job)

    assert (job.updated_count, job.rejected_count) == (0, 1)
    assert job.rejects[0]["reason"] == "Your role may not change this existing account."
    assert "Iota" in accounts_of(tenant)


def test_rows_in_several_batches_with_a_broken_row_in_the_middle(tenant, admin) -> None:
    # Three batches of 500 (the last one partial). Throughput at scale is measured in bench/, not here.
    lines = ["Raison sociale;SIRET;Potentiel"]
    lines += [f"Entreprise numéro {n};{valid_siret(100 + n)};{n},50" for n in range(1_200)]
    lines[600] = "Entreprise cassée;123;1"
    job = create_job(tenant, admin, "\n".join(lines).encode())

    job = services.import_run(job=job)

    assert (job.status, job.total_rows, job.processed_rows) == (ImportJob.Status.DONE, 1_200, 1_200)
    assert (job.created_count, job.rejected_count) == (1_199, 1)
    assert job.rejects[0]["row"] == 601
    with tenant_scope(tenant):
        assert Account.objects.count() == 1_199
        assert Account.objects.get(legal_name="Entreprise numéro 1199").estimated_potential == Decimal(
            "1199.50"
        )


def test_likely_duplicates_within_one_batch_count_only_the_rows_written(tenant, admin) -> None:
    # Rows of one batch are checked together: a row like an earlier row of the file is a likely duplicate
    # when that earlier row is written, not when it was itself rejected.
    first, second, third = valid_siret(41), valid_siret(42), valid_siret(43)
    lines = [
        "Raison sociale;SIRET;Site web;Adresse;CP;Ville",
        f"Boulangerie Petit;{first};www.petit.fr;1 rue Haute;75002;Paris",
        f"Boulangerie Petitte;{second};;2 rue Haute;75002;Paris",  # like line 2
        f"Atelier Roux;{third};https://petit.fr/contact;3 rue Basse;69001;Lyon",  # line 2's website
        f"Petit Établissement Deux;{valid_siret(41, establishment=2)};;4 rue Basse;13001;Marseille",
        "Garage Moreau;;;5 rue Neuve;pas-un-cp;Nantes",  # rejected: its postal code
        "Garage Moreaux;;;6 rue Neuve;44000;Nantes",  # like line 6, which was not written
    ]
    job = create_job(tenant, admin, "\n".join(lines).encode())

    job = services.import_run(job=job)

    reasons = {reject["row"]: reject["reason"] for reject in job.rejects}
    duplicate = "This looks like a record that already exists. (%s)"
    assert reasons == {
        3: duplicate % "similar name in the same postal code",
        4: duplicate % "same website",
        5: duplicate % "same SIREN",
        6: "Postal code (head office): " + reasons[6].split(": ", 1)[1],
    }
    assert sorted(accounts_of(tenant)) == ["Boulangerie Petit", "Garage Moreaux"]


def test_the_check_finds_what_the_run_will_refuse_and_writes_nothing(tenant, admin) -> None:
    siret = valid_siret(61)
    with tenant_scope(tenant):
        existing = AccountFactory(
            legal_name="Boulangerie Petit", owner=admin.user, website="https://petit.fr"
        )
        Address.objects.create(
            tenant=tenant, account=existing, kind=Address.Kind.HEAD_OFFICE, line1="1 rue Vieille",
            postal_code="75002", city="Paris",
        )  # fmt: skip
        history_before = Account.history.count()
    lines = [
        "Raison sociale;SIRET;Site web;Adresse;CP;Ville",
        "Boulangerie Petitte;;;2 rue Haute;75002;Paris",  # like the stored account
        f"Atelier Neuf;{siret};www.petit.fr/atelier;3 rue Basse;69001;Lyon",  # its website
        f"Atelier Neuf Bis;{valid_siret(62)};;4 rue Basse;69001;Lyon",
    ]
    job = create_job(tenant, admin, "\n".join(lines).encode())

    with tenant_scope(tenant), translation.override("en"):
        report = services.import_dry_run(job=job)

    duplicate = "This looks like a record that already exists. (%s)"
    assert (report.total, report.valid, report.to_create, report.error_count) == (3, 1, 1, 2)
    assert [(error["row"], error["reason"]) for error in report.errors] == [
        (2, duplicate % "similar name in the same postal code"),
        (3, duplicate % "same website"),
    ]
    with tenant_scope(tenant):
        assert Account.objects.count() == 1
        assert Address.objects.count() == 1
        assert Account.history.count() == history_before


def test_an_update_with_a_new_head_office_moves_the_account_by_the_rules_in_one_history_row(
    tenant, admin
) -> None:
    siret = valid_siret(51)
    with tenant_scope(tenant):
        nord = Territory.objects.create(name="Nord")
        TerritoryRule.objects.create(territory=nord, country="FR", postal_code_prefix="59")
        existing = AccountFactory(legal_name="Delta", siret=siret, siren=siret[:9], owner=admin.user)
        Address.objects.create(
            tenant=tenant, account=existing, kind=Address.Kind.HEAD_OFFICE, line1="1 rue Vieille",
            postal_code="75002", city="Paris",
        )  # fmt: skip
    content = f"SIRET;Raison sociale;Adresse;CP;Ville\n{siret};Delta Nord;8 place du Théâtre;59000;Lille\n"
    job = create_job(tenant, admin, content.encode())
    with tenant_scope(tenant):
        services.import_set_mapping(job=job, mapping=job.mapping, mode="create_or_update")

    job = run(tenant, job)

    assert (job.updated_count, job.rejected_count) == (1, 0)
    with tenant_scope(tenant):
        account = Account.objects.get(pk=existing.pk)
        head_office = Address.objects.get(account=account)
        history = list(account.history.order_by("history_id"))
        address_author = head_office.history.latest().history_user_id
        [found] = [result for result in search.search(admin, "Lille") if result.object_id == account.pk]
    assert (account.legal_name, account.territory_id, account.version) == ("Delta Nord", nord.pk, 2)
    assert (head_office.line1, head_office.postal_code, head_office.city) == (
        "8 place du Théâtre",
        "59000",
        "Lille",
    )
    # The factory's creation, then one change by the import's author (its move in the same row).
    assert [(row.history_type, row.history_user_id) for row in history] == [
        ("+", None),
        ("~", admin.user_id),
    ]
    assert history[-1].territory_id == nord.pk
    assert address_author == admin.user_id
    assert found.title == "Delta Nord"


def test_the_query_count_of_an_account_batch_does_not_grow_with_its_rows(tenant, admin) -> None:
    with tenant_scope(tenant):
        nord = Territory.objects.create(name="Nord")
        TerritoryRule.objects.create(territory=nord, country="FR", postal_code_prefix="59")

    def queries_for(count: int, seed: int) -> int:
        lines = ["Raison sociale;SIRET;TVA intracommunautaire;Site web;Adresse;CP;Ville"]
        with tenant_scope(tenant):
            for n in range(seed, seed + count, 2):  # every other row updates an account already there
                siret = valid_siret(n)
                account = AccountFactory(legal_name=f"Ancien {name_of(n)}", siret=siret, siren=siret[:9])
                Address.objects.create(
                    tenant=tenant, account=account, kind=Address.Kind.HEAD_OFFICE, line1="1 rue Vieille",
                    postal_code="75002", city="Paris",
                )  # fmt: skip
        for n in range(seed, seed + count):
            siret = valid_siret(n)
            vat = identifiers.french_vat_for_siren(siret[:9])
            postal_code = f"{59 if n % 3 else 13}{n % 100:03d}"
            lines.append(
                f"{name_of(n)};{siret};{vat};www.{name_of(n).lower()}.fr;{n} rue Neuve;{postal_code};Lille"
            )
        job = create_job(tenant, admin, "\n".join(lines).encode())
        with tenant_scope(tenant):
            job = services.import_set_mapping(job=job, mapping=job.mapping, mode="create_or_update")
        with CaptureQueriesContext(connection) as captured:
            job = services.import_run(job=job)
        assert (job.created_count, job.updated_count, job.rejected_count) == (count // 2, count // 2, 0)
        return len(captured)

    assert queries_for(10, seed=1_000) == queries_for(300, seed=2_000)
    with tenant_scope(tenant):
        assert Account.objects.filter(territory=nord).count() == 2 * 310 // 3 + 1


@pytest.mark.slow
def test_a_100000_row_account_file_imports_whole(tenant, admin) -> None:
    # One test at scale: no row cap. Rows as people send them: varied names, postal codes all over
    # France, websites, VAT numbers, valid SIRETs; every likely-duplicate check runs on each row.
    # Throughput is measured outside the suite.
    lines = ["Raison sociale;SIRET;TVA intracommunautaire;Site web;Forme juridique;Adresse;Code postal;Ville"]
    forms = ["SAS", "SARL", "SA", "EURL", "SCI"]
    for n in range(100_000):
        siret = valid_siret(n)
        name = f"{name_of(n)} {name_of(-n)}"
        postal_code = f"{n % 95 + 1:02d}{n // 95 % 100 * 10:03d}"
        lines.append(
            f"{name};{siret};{identifiers.french_vat_for_siren(siret[:9])};www.{name_of(n).lower()}.fr;"
            f"{forms[n % 5]};{n % 200 + 1} rue de la Gare;{postal_code};Ville {n % 97}"
        )
    lines[50_001] = f"Entreprise cassée;{valid_siret(100_001)[:13]}9;;;;1 rue Haute;75002;Paris"
    job = create_job(tenant, admin, "\n".join(lines).encode())

    job = services.import_run(job=job)

    assert (job.status, job.total_rows, job.processed_rows) == (ImportJob.Status.DONE, 100_000, 100_000)
    assert (job.created_count, job.rejected_count) == (99_999, 1)
    assert [reject["row"] for reject in job.rejects] == [50_002]
    assert job.rejects[0]["reason"].startswith("SIRET: ")
    with tenant_scope(tenant):
        assert Account.objects.count() == 99_999
        assert Account.history.count() == 99_999
        assert Address.objects.filter(kind=Address.Kind.HEAD_OFFICE).count() == 99_999
        last = Account.objects.get(siret=valid_siret(99_999))
        head_office = Address.objects.get(account=last)
    assert (last.legal_name, last.website_domain, last.owner_id) == (
        f"{name_of(99_999)} {name_of(-99_999)}",
        f"{name_of(99_999).lower()}.fr",
        admin.user_id,
    )
    assert (head_office.postal_code, head_office.city) == (
        f"{99_999 % 95 + 1:02d}{99_999 // 95 % 100 * 10:03d}",
        f"Ville {99_999 % 97}",
    )


# The pages ----------------------------------------------------------------------------------------


def test_upload_map_check_start_and_follow_an_import(
    tenant, admin, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    queued: list[dict[str, int]] = []
    monkeypatch.setattr(import_run_task, "delay", lambda **kwargs: queued.append(kwargs))
    client = Client()
    client.force_login(admin.user)
    upload = SimpleUploadedFile("clients.csv", "Société;Ville\nKappa;Lyon\n;Nice\n".encode())

    response = client.post("/t/durand/imports/new/", {"file": upload}, **ENGLISH)

    with tenant_scope(tenant):
        job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/durand/imports/{job.pk}/mapping/"
    response = client.get(response["Location"], **ENGLISH)
    assert response.context["form"]["column_0"].value() == "legal_name"
    assert response.context["form"]["column_1"].value() == "city"

    response = client.post(
        f"/t/durand/imports/{job.pk}/mapping/", {"column_0": "legal_name", "mode": "create"}, **ENGLISH
    )

    report = response.context["report"]
    assert (report.total, report.to_create, report.error_count) == (2, 1, 1)
    assert report.errors[0]["reason"] == "Legal name: The legal name is required."
    assert "Start the import" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/t/durand/imports/{job.pk}/start/", **ENGLISH)

    assert response.status_code == 302
    assert queued == [{"tenant_id": tenant.pk, "job_id": job.pk}]
    page = client.get(f"/t/durand/imports/{job.pk}/", **ENGLISH).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert f'hx-get="/t/durand/imports/{job.pk}/"' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []  # no inline script

    services.import_run(job=job)
    fragment = client.get(f"/t/durand/imports/{job.pk}/", HTTP_HX_REQUEST="true", **ENGLISH).content.decode()
    assert fragment.lstrip().startswith('<section id="import-progress"')
    assert "hx-trigger" not in fragment  # finished: the polling stops
    assert '<progress max="100" value="100">' in fragment
    assert "Download rejected rows (CSV)" in fragment
    listing = client.get("/t/durand/imports/", **ENGLISH)
    assert [item.pk for item in listing.context["jobs"]] == [job.pk]


def test_a_refused_upload_shows_the_reason_on_the_form(tenant, admin) -> None:
    client = Client()
    client.force_login(admin.user)

    response = client.post(
        "/t/durand/imports/new/", {"file": SimpleUploadedFile("photo.csv", PNG)}, **ENGLISH
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": ["This file is not a CSV text file. Save it as CSV or XLSX and try again."]
    }
    with tenant_scope(tenant):
        assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("who", ["other member", "other tenant", "no permission"])
def test_another_persons_import_answers_404_and_a_role_without_rights_403(
    tenant, other_tenant, admin, member, who: str
) -> None:
    job = run(tenant, create_job(tenant, admin, broken_file()))
    if who == "other member":
        membership, expected = member(tenant, Role.SALES_DIRECTOR), 404
    elif who == "other tenant":
        membership, expected = member(other_tenant, Role.TENANT_ADMIN), 404
    else:
        membership, expected = member(tenant, Role.FINANCE), 403
    client = Client()
    client.force_login(membership.user)
    slug = "martin" if who == "other tenant" else "durand"

    answers = [
        client.get(f"/t/{slug}/imports/{job.pk}/").status_code,
        client.get(f"/t/{slug}/imports/{job.pk}/rejects.csv").status_code,
        client.post(f"/t/{slug}/imports/{job.pk}/start/").status_code,
    ]

    assert answers == [expected] * 3


# Through the real broker ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def import_worker(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker that also loads the import task (`--include`, whether or not the accounts app
    registers it yet)."""
    command = [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--loglevel=WARNING"]
    command += ["--without-heartbeat", "--include=accounts.imports.tasks"]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=worker_environment())
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the worker did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def committed_admin(django_db_blocker):
    """A tenant and its administrator the worker can see (committed), removed afterwards."""
    with django_db_blocker.unblock():
        tenant = Tenant.objects.create(name="Import SA", slug="import-sa")
        with tenant_scope(tenant):
            membership = MembershipFactory(tenant=tenant, role=Role.TENANT_ADMIN)
        yield membership
        with tenant_scope(tenant):
            Address.history.all().delete()
            Address.objects.all().delete()
            Account.history.all().delete()
            Account.objects.all().delete()
            ImportJob.objects.all().delete()
            Membership.history.filter(tenant=tenant).delete()
            Membership.objects.all().delete()
            User.objects.filter(pk=membership.user_id).delete()
            tenant.delete()


@pytest.mark.worker
def test_an_import_runs_on_a_real_worker_once(import_worker, committed_admin) -> None:
    tenant = committed_admin.tenant
    content = b"Raison sociale;Ville;Adresse;CP\nLambda Froid;Rennes;2 rue Vasselot;35000\n;Brest;;\n"
    with tenant_scope(tenant), translation.override("en"):
        job = services.import_create(
            tenant=tenant, actor=committed_admin.user, filename="a.csv", content=content, kind="accounts"
        )
        services.import_dry_run(job=job)
        services.import_start(job=job)

    first = import_run_task.delay(tenant_id=tenant.pk, job_id=job.pk).get(timeout=60)
    again = import_run_task.delay(tenant_id=tenant.pk, job_id=job.pk).get(timeout=60)

    with tenant_scope(tenant):
        job.refresh_from_db()
        assert list(Account.objects.values_list("legal_name", "addresses__city")) == [
            ("Lambda Froid", "Rennes")
        ]
    assert (first, again) == (True, False)
    assert (job.status, job.created_count, job.rejected_count) == (ImportJob.Status.DONE, 1, 1)
    assert job.rejects[0]["reason"] == "The head office address needs a street, a postal code and a city."
