"""Import jobs: create one from an upload, check every row without writing, run it in batches.

Each row goes through `accounts.services` (the account form's rules and field policies). A row that
breaks a rule is rejected with its reason and the import goes on; each batch of rows commits on its
own, with the job's counters, so the progress is visible and a failure loses one batch at most.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Func, JSONField, Value
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from accounts import identifiers
from accounts import services as account_services
from accounts.imports import parsing
from accounts.imports.models import ImportJob
from accounts.models import Account, Address
from crm.models import Membership, Tenant, User
from crm.tenancy import tenant_scope

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
PREVIEW_ERRORS = 20

ACCOUNT_IMPORT_FIELDS = (
    "legal_name", "trade_name", "legal_form", "siret", "siren", "vat_number", "naf_code", "naics_code",
    "website",
    "account_type", "origin", "revenue_band", "headcount_band", "currency", "customer_revenue",
    "estimated_potential", "last_purchase_date",
)  # fmt: skip
ADDRESS_IMPORT_FIELDS = ("line1", "line2", "postal_code", "city", "country")
IMPORT_FIELDS = (*ACCOUNT_IMPORT_FIELDS, *ADDRESS_IMPORT_FIELDS)
DECIMAL_FIELDS = {"customer_revenue", "estimated_potential"}
DATE_FIELDS = {"last_purchase_date"}
CHOICE_FIELDS = {
    "legal_form": Account.LegalForm,
    "account_type": Account.Type,
    "origin": Account.Origin,
    "revenue_band": Account.RevenueBand,
    "headcount_band": Account.HeadcountBand,
}


def field_label(name: str) -> str:
    """The label of an importable field, in the active language."""
    model = Address if name in ADDRESS_IMPORT_FIELDS else Account
    label = str(getattr(model._meta.get_field(name), "verbose_name", name))
    if name in ADDRESS_IMPORT_FIELDS:
        label = _("%(field)s (head office)") % {"field": label}
    return capfirst(label)


def field_choices() -> list[tuple[str, str]]:
    return [(name, field_label(name)) for name in IMPORT_FIELDS]


class RowError(Exception):
    """A row that cannot be imported, with the reason shown to the user."""


@dataclass
class DryRunReport:
    total: int = 0
    valid: int = 0
    to_create: int = 0
    to_update: int = 0
    to_skip: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first PREVIEW_ERRORS


# Creating a job -----------------------------------------------------------------------------------


@transaction.atomic
def import_create(*, tenant: Tenant, actor: User, filename: str, content: bytes, kind: str) -> ImportJob:
    """Store an upload as a job with its suggested mapping. Refuses (ValidationError on "file") a file
    that is not CSV or XLSX, is empty or unreadable, or whose header names no column we know."""
    if kind != ImportJob.Kind.ACCOUNTS:
        raise ValidationError({"kind": _("Only accounts can be imported for now.")})
    try:
        file_format = parsing.file_format(filename, content)
        encoding = delimiter = ""
        if file_format == parsing.CSV:
            text, encoding = parsing.decode(content)
            delimiter = parsing.sniff_delimiter(text)
        table = parsing.read_table(content, file_format=file_format, encoding=encoding, delimiter=delimiter)
        total = sum(1 for _row in table.rows)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    mapping = parsing.suggest_mapping(table.headers)
    if not mapping:
        raise ValidationError(
            {
                "file": _(
                    "No column of this file was recognised. The first row must hold the column names "
                    "(for example “Raison sociale”, “SIRET”, “Code postal”)."
                )
            }
        )
    return ImportJob.objects.create(
        tenant=tenant,
        kind=kind,
        content=content,
        filename=filename[:255],
        file_format=file_format,
        encoding=encoding,
        delimiter=delimiter,
        headers=table.headers,
        mapping=mapping,
        total_rows=total,
        created_by=actor,
        language=get_language() or "fr",
    )


def import_set_mapping(*, job: ImportJob, mapping: dict[str, str], mode: str) -> ImportJob:
    """Record the user's mapping (column index -> field) and mode. Refuses an unknown field, a field
    mapped twice, no legal name, and an update mode without the SIRET column."""
    if job.status not in {ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED}:
        raise ValidationError(_("This import has already started: its mapping can no longer change."))
    if mode not in ImportJob.Mode.values:
        raise ValidationError({"mode": _("Unknown import mode.")})
    cleaned = {column: name for column, name in mapping.items() if name}
    fields = list(cleaned.values())
    if any(name not in IMPORT_FIELDS for name in fields):
        raise ValidationError(_("Unknown field in the mapping."))
    if any(not column.isdigit() or int(column) >= len(job.headers) for column in cleaned):
        raise ValidationError(_("Unknown column in the mapping."))
    duplicates = sorted({name for name in fields if fields.count(name) > 1})
    if duplicates:
        raise ValidationError(
            _("Several columns are mapped to the same field: %(fields)s.")
            % {"fields": ", ".join(field_label(name) for name in duplicates)}
        )
    if mode != ImportJob.Mode.UPDATE and "legal_name" not in fields:
        raise ValidationError(_("Map a column to the legal name: every new account needs one."))
    if mode != ImportJob.Mode.CREATE and "siret" not in fields:
        raise ValidationError(_("Map a column to the SIRET: existing accounts are found by their SIRET."))
    job.mapping = cleaned
    job.mode = mode
    job.status = ImportJob.Status.UPLOADED
    job.save(update_fields=["mapping", "mode", "status"])
    return job


# Rows ---------------------------------------------------------------------------------------------


def _rows(job: ImportJob) -> Iterator[tuple[int, list[parsing.Cell]]]:
    """(line number in the file, cells) for every data row; line 1 is the header."""
    table = parsing.read_table(
        bytes(job.content), file_format=job.file_format, encoding=job.encoding, delimiter=job.delimiter
    )
    yield from enumerate(table.rows, start=2)


def _choice_lookup(choices: Any) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[_fold(value)] = value
        lookup[_fold(str(label))] = value
        for language in ("en", "fr"):
            with override(language):
                lookup[_fold(str(label))] = value
    return lookup


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().split())


def _row_values(job: ImportJob, cells: list[parsing.Cell]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The account data and head-office address of one row; RowError names every unreadable cell."""
    account: dict[str, Any] = {}
    address: dict[str, Any] = {}
    problems: list[str] = []
    for column, name in job.mapping.items():
        index = int(column)
        cell = cells[index] if index < len(cells) else None
        try:
            value = _convert(name, cell)
        except ValidationError as error:
            problems.append(f"{field_label(name)}: {' '.join(error.messages)}")
            continue
        if value in (None, ""):
            continue
        (address if name in ADDRESS_IMPORT_FIELDS else account)[name] = value
    if address and not all(address.get(name) for name in ("line1", "postal_code", "city")):
        problems.append(_("The head office address needs a street, a postal code and a city."))
    if problems:
        raise RowError(" ".join(problems))
    return account, address


def _convert(name: str, cell: parsing.Cell) -> Any:
    if name in DECIMAL_FIELDS:
        return parsing.parse_decimal(cell)
    if name in DATE_FIELDS:
        return parsing.parse_date(cell)
    text = parsing.cell_text(cell)
    if not text:
        return ""
    if name in CHOICE_FIELDS:
        value = _choice_lookup(CHOICE_FIELDS[name]).get(_fold(text))
        if value is None:
            raise ValidationError(_("“%(value)s” is not one of the choices."), params={"value": text})
        return value
    if name == "website" and "://" not in text:
        return f"https://{text}"
    if name in {"siret", "siren"} and text.endswith(".0"):  # a number Excel wrote as a float
        return text[:-2]
    return text


def _reason(error: ValidationError) -> str:
    duplicates = getattr(error, "duplicates", None)  # the service's likely-duplicates refusal
    if duplicates:
        # Reasons only, never the matching records' names: the importer may not be allowed to see them.
        reasons = sorted({reason for item in duplicates for reason in getattr(item, "reasons", [])})
        return f"{' '.join(error.messages)} ({', '.join(reasons)})"
    if hasattr(error, "error_dict"):
        parts = []
        for name, errors in error.message_dict.items():
            messages = " ".join(errors)
            label = field_label(name) if name in IMPORT_FIELDS else name
            parts.append(messages if name == "__all__" else f"{label}: {messages}")
        return " ".join(parts)
    return " ".join(error.messages)


def _reject(number: int, reason: str, cells: list[parsing.Cell]) -> dict[str, Any]:
    return {"row": number, "reason": reason, "values": [parsing.cell_text(cell) for cell in cells]}


def _existing_by_siret(sirets: Iterable[str]) -> dict[str, Account]:
    wanted = [siret for siret in sirets if siret]
    if not wanted:
        return {}
    return {account.siret: account for account in Account.objects.filter(siret__in=wanted)}


def _normalized_siret(account: dict[str, Any]) -> str:
    if not account.get("siret"):
        return ""
    try:
        return str(identifiers.normalize_siret(account["siret"]))
    except ValidationError:
        return ""


# Dry run ------------------------------------------------------------------------------------------


def import_dry_run(*, job: ImportJob) -> DryRunReport:
    """Check every row as the run would, without writing an account; records the job as checked."""
    report = DryRunReport()
    seen: set[str] = set()
    for chunk in _chunks(_rows(job), BATCH_SIZE):
        parsed: list[tuple[int, list[parsing.Cell], dict[str, Any] | None, dict[str, Any], str]] = []
        for number, cells in chunk:
            try:
                account, address = _row_values(job, cells)
                cleaned, _warnings = account_services.account_normalize(account, tenant=job.tenant)
                _check_fields(cleaned)
                if address:
                    _check_address(address)
                parsed.append((number, cells, cleaned, address, ""))
            except RowError as error:
                parsed.append((number, cells, None, {}, str(error)))
            except ValidationError as error:
                parsed.append((number, cells, None, {}, _reason(error)))
        existing = _existing_by_siret(item[2].get("siret", "") for item in parsed if item[2] is not None)
        for number, cells, row_data, _address, reason in parsed:
            report.total += 1
            if row_data is not None and not reason:
                siret = row_data.get("siret", "")
                action, reason = _action(job, siret in existing, siret)
                if siret and action != "skip":
                    if siret in seen:
                        reason = _("This SIRET is already on an earlier row of the file.")
                    seen.add(siret)
                if not reason:
                    report.valid += 1
                    if action == "create":
                        report.to_create += 1
                    elif action == "update":
                        report.to_update += 1
                    else:
                        report.to_skip += 1
                    continue
            report.error_count += 1
            if len(report.errors) < PREVIEW_ERRORS:
                report.errors.append(_reject(number, reason, cells))
    job.status = ImportJob.Status.VALIDATED
    job.total_rows = report.total
    job.save(update_fields=["status", "total_rows"])
    return report


def _check_fields(cleaned: dict[str, Any]) -> None:
    """The model's own field rules (lengths, URL, digits), which the run applies through full_clean."""
    values = {name: cleaned[name] for name in ACCOUNT_IMPORT_FIELDS if name in cleaned}
    exclude = [item.name for item in Account._meta.get_fields() if item.name not in values]
    Account(**values).clean_fields(exclude=exclude)


def _check_address(address: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    try:
        country = identifiers.normalize_country(address.get("country") or "FR")
    except ValidationError as error:
        errors["country"] = error.messages
        country = "FR"
    try:
        identifiers.normalize_postal_code(address["postal_code"], country=country)
    except ValidationError as error:
        errors["postal_code"] = error.messages
    if errors:
        raise ValidationError(errors)


def _action(job: ImportJob, exists: bool, siret: str) -> tuple[str, str]:
    """("create" | "update" | "skip", reason for a rejection or "")."""
    if job.mode == ImportJob.Mode.CREATE:
        if exists:
            return "create", _("An account with this SIRET already exists.")
        return "create", ""
    if not siret:
        return "skip", _("The SIRET is required to find the account to update.")
    if exists:
        return "update", ""
    if job.mode == ImportJob.Mode.UPDATE:
        return "skip", ""  # not in the CRM: an update-only import leaves it out
    return "create", ""


# Run ----------------------------------------------------------------------------------------------


def import_start(*, job: ImportJob) -> bool:
    """Mark a checked job as queued; False when it was already started. The caller queues the task
    on commit (the row lock keeps two clicks from queueing it twice)."""
    locked = ImportJob.objects.select_for_update().filter(pk=job.pk).first()
    if locked is None or locked.status not in {ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED}:
        return False
    locked.status = ImportJob.Status.QUEUED
    locked.save(update_fields=["status"])
    job.status = locked.status
    return True


def import_claim(*, job_id: int) -> ImportJob | None:
    """Move a queued job to running, or None when another worker holds it or it already ran.
    Call inside the tenant scope; the caller runs the import after this transaction commits."""
    job = (
        ImportJob.objects.select_for_update(skip_locked=True)
        .filter(pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.VALIDATED])
        .first()
    )
    if job is None:
        return None
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    return job


def _append_rejects(rejects: list[dict[str, Any]]) -> Any:
    return Func(
        F("rejects"),
        Value(rejects, output_field=JSONField()),
        template="(%(expressions)s)",
        arg_joiner=" || ",
        output_field=JSONField(),
    )


def import_run(*, job: ImportJob) -> ImportJob:
    """See `_import_run`; the reasons are written in the language of the person who uploaded the file."""
    with override(job.language):
        return _import_run(job=job)


def _import_run(*, job: ImportJob) -> ImportJob:
    """Import every row, BATCH_SIZE rows per transaction (each opens its own tenant scope, so called
    outside a transaction each batch commits). A row breaking a rule is rejected with its reason; a
    batch failing for another reason is rolled back, its rows rejected, and the next batch goes on."""
    tenant = job.tenant
    with tenant_scope(tenant):
        membership = _membership_of_author(job)
    if membership is None:
        with tenant_scope(tenant):
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED,
                finished_at=timezone.now(),
                error=_("The person who started this import is no longer a member of the company."),
            )
        job.refresh_from_db()
        return job
    seen: set[str] = set()
    try:
        for chunk in _chunks(_rows(job), BATCH_SIZE):
            _run_batch(job, chunk, membership=membership, seen=seen)
    except ValidationError as error:  # the stored file became unreadable: nothing more to do
        with tenant_scope(tenant):
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED, finished_at=timezone.now(), error=" ".join(error.messages)
            )
    else:
        with tenant_scope(tenant):
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE, finished_at=timezone.now()
            )
    with tenant_scope(tenant):
        job.refresh_from_db()
    return job


def _membership_of_author(job: ImportJob) -> Membership | None:
    """The rows are written as the person who started the import, with their role's rights today."""
    if job.created_by_id is None:
        return None
    return (
        Membership.objects.filter(user_id=job.created_by_id, is_active=True, user__is_active=True)
        .select_related("user", "tenant")
        .first()
    )


def _run_batch(
    job: ImportJob,
    chunk: list[tuple[int, list[parsing.Cell]]],
    *,
    membership: Membership,
    seen: set[str],
) -> None:
    counts = {"created": 0, "updated": 0, "skipped": 0}
    rejects: list[dict[str, Any]] = []
    seen_before = set(seen)
    try:
        with tenant_scope(job.tenant, membership=membership):
            rows: list[tuple[int, list[parsing.Cell], dict[str, Any], dict[str, Any]]] = []
            for number, cells in chunk:
                try:
                    account, address = _row_values(job, cells)
                except RowError as error:
                    rejects.append(_reject(number, str(error), cells))
                    continue
                rows.append((number, cells, account, address))
            existing = _existing_by_siret(_normalized_siret(account) for _n, _c, account, _a in rows)
            for number, cells, account, address in rows:
                siret = _normalized_siret(account)
                action, reason = _action(job, siret in existing, siret)
                if not reason and siret and action != "skip":
                    if siret in seen:
                        reason = _("This SIRET is already on an earlier row of the file.")
                    seen.add(siret)
                if reason:
                    rejects.append(_reject(number, reason, cells))
                    continue
                if action == "skip":
                    counts["skipped"] += 1
                    continue
                try:
                    with transaction.atomic():  # a savepoint: a rejected row leaves nothing behind
                        _write_row(job, account, address, existing.get(siret), membership=membership)
                except ValidationError as error:
                    rejects.append(_reject(number, _reason(error), cells))
                    continue
                except IntegrityError:
                    rejects.append(_reject(number, _("Another account already has this SIRET."), cells))
                    continue
                counts["created" if action == "create" else "updated"] += 1
            rejects.sort(key=lambda reject: reject["row"])
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=F("processed_rows") + len(chunk),
                created_count=F("created_count") + counts["created"],
                updated_count=F("updated_count") + counts["updated"],
                skipped_count=F("skipped_count") + counts["skipped"],
                rejected_count=F("rejected_count") + len(rejects),
                rejects=_append_rejects(rejects),
            )
    except Exception:
        # Not a broken rule but a bug or an outage: the whole batch is rolled back and reported.
        logger.exception("Import %s: a batch of rows starting at line %s failed", job.pk, chunk[0][0])
        seen.clear()
        seen.update(seen_before)
        reason = _("This row was not imported: an unexpected error stopped its batch. Import it again.")
        failed = [_reject(number, reason, cells) for number, cells in chunk]
        with tenant_scope(job.tenant):
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=F("processed_rows") + len(chunk),
                rejected_count=F("rejected_count") + len(failed),
                rejects=_append_rejects(failed),
            )


def _write_row(
    job: ImportJob,
    account: dict[str, Any],
    address: dict[str, Any],
    current: Account | None,
    *,
    membership: Membership,
) -> None:
    actor, role = membership.user, membership.role
    if current is not None and not actor.has_perm("accounts.change_account", current):
        raise ValidationError(_("Your role may not change this existing account."))
    if current is None:
        # With the head office, so that the likely-duplicates check sees the postal code too.
        account_services.account_create(
            tenant=job.tenant, actor=actor, data=account, role=role, head_office=address or None
        )
        return
    record = account_services.account_update(account=current, actor=actor, data=account, role=role).record
    if address:
        account_services.address_save(
            account=record, kind=Address.Kind.HEAD_OFFICE, data=address, actor=actor
        )


def _chunks[T](items: Iterator[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Report -------------------------------------------------------------------------------------------


def import_rejects_csv(*, job: ImportJob) -> bytes:
    """The rejected rows as a CSV the user can fix and import again: the original columns, then the
    line number and the reason. UTF-8 with a BOM and semicolons, which French Excel opens as is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([*job.headers, _("Line"), _("Reason")])
    width = len(job.headers)
    for reject in sorted(job.rejects, key=lambda item: item["row"]):
        values = list(reject["values"])[:width]
        values += [""] * (width - len(values))
        writer.writerow([*(_spreadsheet_safe(value) for value in values), reject["row"], reject["reason"]])
    return buffer.getvalue().encode("utf-8-sig")


def _spreadsheet_safe(value: str) -> str:
    """A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return f"'{value}"
    return value
