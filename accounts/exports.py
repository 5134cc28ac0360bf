"""Exports of the account and contact lists to CSV (streamed) and XLSX, obeying visibility and field
policies.

The caller hands over an already visible, filtered queryset (the list's own filter set and selector).
Here: which columns the member's role may read, how each value is written, and the access log of the
sensitive fields that do leave the building (one INSERT per chunk of rows).

CSV is written for French Excel: UTF-8 with a BOM, semicolons, decimal comma, dd/mm/yyyy. XLSX keeps
native types (numbers, dates, booleans) and lets the spreadsheet format them.
"""

from __future__ import annotations

import csv
import io
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from tempfile import SpooledTemporaryFile
from typing import Any

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import identifiers
from accounts.models import Account, Address, Consent, Contact
from crm.models import Tenant, User
from governance import field_policies

CHUNK_SIZE = 2000
XLSX_IN_MEMORY_LIMIT = 10 * 1024 * 1024  # beyond this the workbook spills to a temporary file
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A text cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_DATE_FORMAT = "DD/MM/YYYY"
XLSX_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
XLSX_MONEY_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Column:
    """One exported column. `field` names the model field a field policy may hide (and whose reads are
    logged when it is sensitive); `value` returns the native value of a row (str, Decimal, date, bool)."""

    field: str
    header: str | Promise
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class ExportContext:
    """What the values depend on, captured while the request is active: a streamed CSV is written
    after the view returns, when the middleware has already reset the time zone."""

    tenant: Tenant
    user: User
    language: str
    zone: tzinfo


# Value helpers ----------------------------------------------------------------------------------


def _label(choices: type[models.TextChoices], value: str) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _head_office(account: Account) -> Address | None:
    offices: list[Address] = getattr(account, "head_offices", [])
    return offices[0] if offices else None


def _naf_label(account: Account) -> str:
    if not account.naf_code:
        return ""
    try:
        return str(
            identifiers.naf_label(account.naf_code, version=account.naf_version or identifiers.NAF_VERSION)
        )
    except (ValueError, KeyError):
        return ""


def _address_part(part: str) -> Callable[[Account], str]:
    def read(account: Account) -> str:
        office = _head_office(account)
        return getattr(office, part) if office is not None else ""

    return read


def _name_of(obj: models.Model | None) -> str:
    return str(obj) if obj is not None else ""


def _consent_status(purpose: str) -> Callable[[Contact], str]:
    def read(contact: Contact) -> str:
        for consent in contact.consents.all():  # prefetched: no query per row
            if consent.purpose == purpose:
                return _label(Consent.Status, consent.status)
        return ""

    return read


# Column definitions -----------------------------------------------------------------------------


def account_columns() -> list[Column]:
    return [
        Column("legal_name", _("Legal name"), lambda a: a.legal_name),
        Column("trade_name", _("Trade name"), lambda a: a.trade_name),
        Column("legal_form", _("Legal form"), lambda a: _label(Account.LegalForm, a.legal_form)),
        Column("siren", _("SIREN"), lambda a: a.siren),
        Column("siret", _("SIRET"), lambda a: a.siret),
        Column("vat_number", _("VAT number"), lambda a: a.vat_number),
        Column("naf_code", _("NAF code"), lambda a: a.naf_code),
        Column("naf_code", _("NAF label"), _naf_label),
        Column("account_type", _("Type"), lambda a: _label(Account.Type, a.account_type)),
        Column("segment", _("Segment"), lambda a: _name_of(a.segment)),
        Column("territory", _("Territory"), lambda a: _name_of(a.territory)),
        Column("owner", _("Owner"), lambda a: _name_of(a.owner)),
        Column("addresses", _("Head office address"), _address_part("line1")),
        Column("addresses", _("Head office postal code"), _address_part("postal_code")),
        Column("addresses", _("Head office city"), _address_part("city")),
        Column("addresses", _("Head office country"), _address_part("country")),
        Column("customer_revenue", _("Customer revenue"), lambda a: a.customer_revenue),
        Column("estimated_potential", _("Estimated potential"), lambda a: a.estimated_potential),
        Column("last_purchase_date", _("Last purchase"), lambda a: a.last_purchase_date),
        Column(
            "relationship_status_override",
            _("Relationship status"),
            lambda a: _label(Account.RelationshipStatus, a.relationship_status),
        ),
        Column("created_at", _("Created at"), lambda a: a.created_at),
    ]


def contact_columns(tenant: Tenant) -> list[Column]:
    def phone(value: str) -> str:
        return identifiers.format_phone(value, region=tenant.country) if value else ""

    columns = [
        Column("salutation", _("Salutation"), lambda c: _label(Contact.Salutation, c.salutation)),
        Column("first_name", _("First name"), lambda c: c.first_name),
        Column("last_name", _("Last name"), lambda c: c.last_name),
        Column("job_title", _("Job title"), lambda c: c.job_title),
        Column("department", _("Department"), lambda c: c.department),
        Column("team", _("Team"), lambda c: c.team),
        Column("email", _("Email"), lambda c: c.email),
        Column("phone", _("Phone"), lambda c: phone(c.phone)),
        Column("mobile", _("Mobile"), lambda c: phone(c.mobile)),
        Column("account", _("Account"), lambda c: _name_of(c.account)),
        Column("owner", _("Owner"), lambda c: _name_of(c.owner)),
        Column(
            "relationship_status",
            _("Relationship status"),
            lambda c: _label(Contact.RelationshipStatus, c.relationship_status),
        ),
        Column("do_not_call", _("Do not call"), lambda c: c.do_not_call),
    ]
    for purpose in Consent.Purpose:
        header = pgettext_lazy("export column", "Consent: %(purpose)s") % {"purpose": purpose.label}
        columns.append(Column("consents", header, _consent_status(purpose.value)))
    return columns


def account_export_queryset(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """The rows and everything their columns read, in a constant number of queries per chunk."""
    head_offices = Address.objects.filter(kind=Address.Kind.HEAD_OFFICE).order_by("id")
    return queryset.select_related("owner", "segment", "territory").prefetch_related(
        Prefetch("addresses", queryset=head_offices, to_attr="head_offices")
    )


def contact_export_queryset(queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    return queryset.select_related("account", "owner").prefetch_related("consents")


# Policies ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnPlan:
    columns: list[Column]
    logged_fields: set[str]  # sensitive fields exported, whose reads go to the access log


def column_plan(*, role: str, model: type[models.Model], columns: Iterable[Column]) -> ColumnPlan:
    """Columns of fields the role may not read are left out entirely, header included."""
    hidden = field_policies.hidden_fields(role, model)
    kept = [column for column in columns if column.field not in hidden]
    sensitive = {
        field.field_name for field in field_policies.sensitive_fields(field_policies.label_of(model))
    }
    return ColumnPlan(kept, {column.field for column in kept} & sensitive)


# Writing ----------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """A text that a spreadsheet would run as a formula is made inert with a leading apostrophe."""
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def csv_cell(value: Any, zone: tzinfo) -> str:
    """European formats whatever the language: what French Excel reads as dates and numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal):
        # Our own rendering of a number, never a formula: a negative amount keeps its minus sign.
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return neutralise(str(value))


def xlsx_cell(value: Any, zone: tzinfo) -> Any:
    """Native types; datetimes in the tenant's time zone, without it (XLSX has no time zones)."""
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).replace(tzinfo=None)
    if value is None or isinstance(value, bool | Decimal | date | int | float):
        return value
    return neutralise(str(value))


def _chunks(queryset: QuerySet[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in queryset.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _logged_rows(queryset: QuerySet[Any], plan: ColumnPlan, user: User) -> Iterator[list[Any]]:
    """Chunks of rows; the sensitive fields shown of each chunk are logged in one INSERT."""
    for batch in _chunks(queryset, CHUNK_SIZE):
        if plan.logged_fields:
            field_policies.record_reads(user=user, objects=batch, fields=plan.logged_fields)
        yield batch


def csv_content(queryset: QuerySet[Any], plan: ColumnPlan, context: ExportContext) -> Iterator[bytes]:
    # The status of an account depends on today's date: in the tenant's time zone, as on the pages.
    with translation.override(context.language), timezone.override(context.zone):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([str(column.header) for column in plan.columns])
        yield ("\ufeff" + buffer.getvalue()).encode()
        for batch in _logged_rows(queryset, plan, context.user):
            buffer.seek(0)
            buffer.truncate()
            for row in batch:
                writer.writerow([csv_cell(column.value(row), context.zone) for column in plan.columns])
            yield buffer.getvalue().encode()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell.number_format = XLSX_DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = XLSX_DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = XLSX_MONEY_FORMAT
    return cell


def xlsx_file(
    queryset: QuerySet[Any], plan: ColumnPlan, context: ExportContext, *, title: str
) -> SpooledTemporaryFile[bytes]:
    """The whole workbook, written row by row (openpyxl's write-only mode keeps memory flat)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    with translation.override(context.language), timezone.override(context.zone):
        sheet.append([str(column.header) for column in plan.columns])
        for batch in _logged_rows(queryset, plan, context.user):
            for row in batch:
                sheet.append(
                    [_xlsx_cell(sheet, xlsx_cell(column.value(row), context.zone)) for column in plan.columns]
                )
    output: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=XLSX_IN_MEMORY_LIMIT)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return output


# Responses --------------------------------------------------------------------------------------


def export_context(*, tenant: Tenant, user: User) -> ExportContext:
    language = translation.get_language() or tenant.language
    return ExportContext(
        tenant=tenant, user=user, language=language, zone=zoneinfo.ZoneInfo(tenant.time_zone)
    )


def export_filename(stem: str, file_format: str, zone: tzinfo) -> str:
    """`comptes-2026-11-27.csv` in French, `accounts-2026-11-27.csv` in English."""
    return f"{stem}-{timezone.localdate(timezone=zone).isoformat()}.{file_format}"


def export_response(
    *,
    queryset: QuerySet[Any],
    plan: ColumnPlan,
    context: ExportContext,
    file_format: str,
    stem: str,
) -> StreamingHttpResponse | FileResponse:
    filename = export_filename(stem, file_format, context.zone)
    if file_format == "xlsx":
        output = xlsx_file(queryset, plan, context, title=stem)
        return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response = StreamingHttpResponse(csv_content(queryset, plan, context), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def account_export(
    *, queryset: QuerySet[Account], role: str, context: ExportContext, file_format: str
) -> StreamingHttpResponse | FileResponse:
    plan = column_plan(role=role, model=Account, columns=account_columns())
    return export_response(
        queryset=account_export_queryset(queryset),
        plan=plan,
        context=context,
        file_format=file_format,
        stem=str(Account._meta.verbose_name_plural),
    )


def contact_export(
    *, queryset: QuerySet[Contact], role: str, context: ExportContext, file_format: str
) -> StreamingHttpResponse | FileResponse:
    plan = column_plan(role=role, model=Contact, columns=contact_columns(context.tenant))
    return export_response(
        queryset=contact_export_queryset(queryset),
        plan=plan,
        context=context,
        file_format=file_format,
        stem=str(Contact._meta.verbose_name_plural),
    )
