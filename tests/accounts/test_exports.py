"""Exports of the account and contact lists: only what the member may see, filtered as the list is,
without the columns their role may not read (and with the reads of those it may logged), in formats
French Excel opens correctly, safe against formula injection, in a query count that does not grow."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts import exports
from accounts.models import Account, Address, Consent
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import SensitiveFieldRead
from tests.accounts.factories import AccountFactory, ConsentFactory, ContactFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
ACCOUNTS_CSV = "/t/durand/accounts/export/csv/"
ACCOUNTS_XLSX = "/t/durand/accounts/export/xlsx/"
CONTACTS_CSV = "/t/durand/accounts/contacts/export/csv/"


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def account_of(tenant, membership, **extra) -> Account:
    with tenant_scope(tenant):
        return AccountFactory(owner=membership.user, **extra)


def csv_rows(response_or_body) -> list[list[str]]:
    body = response_or_body if isinstance(response_or_body, bytes) else response_or_body.getvalue()
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def names_exported(response, header: str = "Legal name") -> list[str]:
    return [row[header] for row in as_dicts(csv_rows(response))]


@pytest.fixture
def organisation(tenant, member):
    director = member(tenant, Role.SALES_DIRECTOR)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=director)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    accounts = {
        "rep": account_of(
            tenant,
            rep,
            legal_name="Boulangerie Petit",
            account_type=Account.Type.CUSTOMER,
            customer_revenue=Decimal("1250000.50"),
            estimated_potential=Decimal("-300.25"),
            last_purchase_date=date(2026, 3, 9),
        ),
        "rep_prospect": account_of(tenant, rep, legal_name="Atelier Roux"),
        "colleague": account_of(tenant, colleague, legal_name="Hôtel Lambert"),
    }
    return {"director": director, "rep": rep, "colleague": colleague, "accounts": accounts}


# Who sees what -----------------------------------------------------------------------------------


def test_a_rep_exports_only_the_accounts_they_may_see(organisation, other_tenant, member) -> None:
    stranger = member(other_tenant, Role.SALES_DIRECTOR)
    account_of(other_tenant, stranger, legal_name="Martin Négoce")

    response = logged_in(organisation["rep"]).get(ACCOUNTS_CSV, **ENGLISH)

    assert response.status_code == 200
    assert response.streaming
    assert names_exported(response) == ["Atelier Roux", "Boulangerie Petit"]


def test_the_director_exports_the_whole_tenant_not_another(organisation, other_tenant, member) -> None:
    stranger = member(other_tenant, Role.SALES_DIRECTOR)
    account_of(other_tenant, stranger, legal_name="Martin Négoce")

    response = logged_in(organisation["director"]).get(ACCOUNTS_CSV, **ENGLISH)

    assert names_exported(response) == ["Atelier Roux", "Boulangerie Petit", "Hôtel Lambert"]


def test_the_list_filters_and_sort_apply_to_the_export(organisation) -> None:
    client = logged_in(organisation["director"])

    searched = client.get(ACCOUNTS_CSV, {"q": "lambert"}, **ENGLISH)
    customers = client.get(ACCOUNTS_CSV, {"account_type": Account.Type.CUSTOMER}, **ENGLISH)
    team = client.get(ACCOUNTS_CSV, {"owner": "team", "sort": "-name"}, **ENGLISH)
    mine = client.get(ACCOUNTS_CSV, {"owner": "me"}, **ENGLISH)

    assert names_exported(searched) == ["Hôtel Lambert"]
    assert names_exported(customers) == ["Boulangerie Petit"]
    assert names_exported(team) == ["Boulangerie Petit", "Atelier Roux"]
    mine_rows = csv_rows(mine)
    assert mine_rows[1:] == []
    assert mine_rows[0][0] == "Legal name"  # the header row stays


def test_the_whole_filtered_list_is_exported_not_one_page(tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        AccountFactory.create_batch(60, owner=director.user)

    response = logged_in(director).get(ACCOUNTS_CSV, **ENGLISH)

    assert len(names_exported(response)) == 60


def test_anonymous_visitors_are_sent_to_the_login_page(tenant) -> None:
    response = Client().get(ACCOUNTS_CSV)

    assert response.status_code == 302
    assert response.url == f"/login/?next={ACCOUNTS_CSV}"


def test_a_member_of_another_tenant_gets_404(organisation, other_tenant, member) -> None:
    stranger = member(other_tenant, Role.SALES_DIRECTOR)

    response = logged_in(stranger).get(ACCOUNTS_CSV)

    assert response.status_code == 404
    assert b"Boulangerie Petit" not in response.content


# Every role of the specification may view accounts and contacts (governance.permissions), so there is
# no "wrong role" to test here: what a role may not read is a field policy, tested below.


@pytest.mark.parametrize("file_format", ["pdf", "CSV", "xls"])
def test_an_unknown_format_answers_404(organisation, file_format: str) -> None:
    client = logged_in(organisation["director"])

    assert client.get(f"/t/durand/accounts/export/{file_format}/").status_code == 404
    assert client.get(f"/t/durand/accounts/contacts/export/{file_format}/").status_code == 404


# Field policies ----------------------------------------------------------------------------------


def test_finance_exports_no_potential_and_its_revenue_reads_are_logged(tenant, organisation, member) -> None:
    finance = member(tenant, Role.FINANCE)

    response = logged_in(finance).get(ACCOUNTS_CSV, **ENGLISH)

    rows = csv_rows(response)
    assert "Customer revenue" in rows[0]
    assert "Estimated potential" not in rows[0]
    assert not any("-300,25" in cell for row in rows for cell in row)
    with tenant_scope(tenant):
        reads = set(
            SensitiveFieldRead.objects.filter(user=finance.user).values_list("object_id", "field_name")
        )
    assert reads == {(account.pk, "customer_revenue") for account in organisation["accounts"].values()}


def test_a_sales_export_logs_both_sensitive_fields_of_each_row(tenant, organisation) -> None:
    rep = organisation["rep"]

    logged_in(rep).get(ACCOUNTS_XLSX, **ENGLISH)

    with tenant_scope(tenant):
        reads = sorted(
            SensitiveFieldRead.objects.filter(user=rep.user).values_list("object_id", "field_name")
        )
    expected = sorted(
        (organisation["accounts"][key].pk, field)
        for key in ("rep", "rep_prospect")
        for field in ("customer_revenue", "estimated_potential")
    )
    assert reads == expected


def test_the_reads_are_logged_in_one_insert_per_chunk(tenant, member, monkeypatch) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        AccountFactory.create_batch(25, owner=director.user)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 10)
    client = logged_in(director)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(ACCOUNTS_CSV)
        response.getvalue()

    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if 'INSERT INTO "governance_sensitivefieldread"' in q["sql"]
    ]
    assert len(inserts) == 3  # 10 + 10 + 5 rows
    with tenant_scope(tenant):
        assert SensitiveFieldRead.objects.filter(user=director.user).count() == 50


# Formats -----------------------------------------------------------------------------------------


def test_the_csv_is_what_french_excel_opens(tenant, organisation) -> None:
    with tenant_scope(tenant):
        account = organisation["accounts"]["rep"]
        Account.objects.filter(pk=account.pk).update(
            created_at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # 1 February in Paris
        )
        Address.objects.create(
            tenant=tenant,
            account=account,
            kind=Address.Kind.HEAD_OFFICE,
            line1="3 rue des Lilas",
            postal_code="75011",
            city="Paris",
        )

    response = logged_in(organisation["rep"]).get(ACCOUNTS_CSV, {"q": "petit"}, **ENGLISH)

    raw = response.getvalue()
    assert raw.startswith(b"\xef\xbb\xbfLegal name;Trade name;")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    row = as_dicts(csv_rows(raw))[0]
    assert row["Customer revenue"] == "1250000,50"
    assert row["Estimated potential"] == "-300,25"  # our own number: no apostrophe
    assert row["Last purchase"] == "09/03/2026"
    assert row["Created at"] == "01/02/2026 00:30"
    assert row["Type"] == "Customer"
    assert row["Owner"] == str(organisation["rep"].user)
    assert (row["Head office address"], row["Head office postal code"], row["Head office city"]) == (
        "3 rue des Lilas",
        "75011",
        "Paris",
    )
    assert row["Head office country"] == "FR"


def test_the_xlsx_opens_with_typed_cells(tenant, organisation) -> None:
    response = logged_in(organisation["rep"]).get(ACCOUNTS_XLSX, {"q": "petit"}, **ENGLISH)

    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, list(sheet[2]), strict=True))
    assert sheet.max_row == 2
    assert row["Legal name"].value == "Boulangerie Petit"
    assert row["Customer revenue"].value == pytest.approx(1250000.50)
    assert row["Customer revenue"].data_type == "n"
    assert row["Estimated potential"].value == pytest.approx(-300.25)
    assert row["Last purchase"].value.date() == date(2026, 3, 9)
    assert row["Last purchase"].is_date
    assert row["Last purchase"].number_format == "DD/MM/YYYY"
    assert isinstance(row["Created at"].value, datetime)


def test_formula_injection_is_neutralised_in_both_formats(tenant, organisation) -> None:
    with tenant_scope(tenant):
        Account.objects.filter(pk=organisation["accounts"]["rep"].pk).update(
            legal_name='=HYPERLINK("http://evil.example","x")', trade_name="@SUM(A1)", vat_number="+33"
        )
    client = logged_in(organisation["rep"])

    csv_row = as_dicts(csv_rows(client.get(ACCOUNTS_CSV, {"account_type": "customer"}, **ENGLISH)))[0]
    sheet = load_workbook(
        io.BytesIO(client.get(ACCOUNTS_XLSX, {"account_type": "customer"}, **ENGLISH).getvalue())
    ).active

    assert csv_row["Legal name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert csv_row["Trade name"] == "'@SUM(A1)"
    assert csv_row["VAT number"] == "'+33"
    assert sheet["A2"].value == '\'=HYPERLINK("http://evil.example","x")'
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "'@SUM(A1)"


def test_the_query_count_does_not_grow_with_rows(tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    client = logged_in(director)

    def queries_for(count: int, file_format: str) -> int:
        with tenant_scope(tenant):
            Account.objects.all().delete()
            for account in AccountFactory.create_batch(count, owner=director.user):
                Address.objects.create(
                    tenant=tenant,
                    account=account,
                    kind=Address.Kind.HEAD_OFFICE,
                    line1="1 rue",
                    postal_code="69001",
                    city="Lyon",
                )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/t/durand/accounts/export/{file_format}/")
            body = response.getvalue()
        assert body
        return len(queries.captured_queries)

    assert queries_for(3, "csv") == queries_for(40, "csv")
    assert queries_for(3, "xlsx") == queries_for(40, "xlsx")


# Languages ---------------------------------------------------------------------------------------


def test_headers_and_file_name_follow_the_language(organisation) -> None:
    client = logged_in(organisation["rep"])
    today = timezone.localdate(timezone=timezone.get_default_timezone()).isoformat()

    french = client.get(ACCOUNTS_CSV, **FRENCH)
    english = client.get(ACCOUNTS_XLSX, **ENGLISH)

    assert csv_rows(french)[0][:3] == ["Raison sociale", "Nom commercial", "Forme juridique"]
    assert french["Content-Disposition"] == f'attachment; filename="comptes-{today}.csv"'
    sheet = load_workbook(io.BytesIO(english.getvalue())).active
    assert [cell.value for cell in sheet[1]][:3] == ["Legal name", "Trade name", "Legal form"]
    assert english["Content-Disposition"] == f'attachment; filename="accounts-{today}.xlsx"'


# Contacts ----------------------------------------------------------------------------------------


def test_the_contact_export_has_visible_contacts_with_their_consents(tenant, organisation) -> None:
    with tenant_scope(tenant):
        anne = ContactFactory(
            account=organisation["accounts"]["rep"],
            first_name="Anne",
            last_name="Bernard",
            salutation="mme",
            phone="+33142685300",
            do_not_call=True,
        )
        ConsentFactory(contact=anne, purpose=Consent.Purpose.MARKETING_EMAIL, status=Consent.Status.GRANTED)
        ConsentFactory(contact=anne, purpose=Consent.Purpose.SMS, status=Consent.Status.REFUSED)
        ContactFactory(account=organisation["accounts"]["colleague"], last_name="Caché")

    response = logged_in(organisation["rep"]).get(CONTACTS_CSV, **ENGLISH)

    rows = as_dicts(csv_rows(response))
    assert [row["Last name"] for row in rows] == ["Bernard"]
    row = rows[0]
    assert row["Salutation"] == "Ms"
    assert row["Account"] == "Boulangerie Petit"
    assert row["Phone"] == "01 42 68 53 00"
    assert row["Do not call"] == "Yes"
    assert row["Consent: Marketing email"] == "Granted"
    assert row["Consent: SMS"] == "Refused"
    assert row["Consent: Phone prospecting"] == ""


def test_the_contact_export_query_count_does_not_grow(tenant, organisation) -> None:
    client = logged_in(organisation["rep"])

    def queries_for(count: int) -> int:
        with tenant_scope(tenant):
            for contact in ContactFactory.create_batch(count, account=organisation["accounts"]["rep"]):
                ConsentFactory(contact=contact)
        with CaptureQueriesContext(connection) as queries:
            client.get(CONTACTS_CSV).getvalue()
        return len(queries.captured_queries)

    assert queries_for(3) == queries_for(40)
