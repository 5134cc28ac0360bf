"""Import jobs: create one from an upload, check every row without writing, run it in batches.

Each row goes through `accounts.services` (the form's rules and field policies). A row that breaks a
rule is rejected with its reason and the import goes on; each batch of rows commits on its own, with
the job's counters, so the progress is visible and a failure loses one batch at most.

The kinds of import are a registry (`accounts.imports.registry`): this app registers accounts (here,
matched on the SIRET) and contacts (their fields and rows in `accounts.imports.contacts`, matched on the
e-mail, written in batches); other apps register theirs (leads) in their AppConfig.ready().
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Func, JSONField, Value
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from accounts import identifiers
from accounts import services as account_services
from accounts.imports import contacts as contact_import
from accounts.imports import parsing, registry, supervision
from accounts.imports.models import ImportJob, ImportMapping
from accounts.models import Account, Address, Contact
from crm.models import Membership, Tenant, User
from crm.tenancy import tenant_scope
from governance import field_rules

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
PREVIEW_ERRORS = 20

ACCOUNT_IMPORT_FIELDS = (
    "legal_name", "trade_name", "legal_form", "siret", "siren", "vat_number", "naf_code", "naics_code",
    "website", "account_type", "origin", "revenue_band", "headcount_band", "currency", "customer_revenue",
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


def field_label(name: str, kind: str = ImportJob.Kind.ACCOUNTS) -> str:
    """The label of an importable field of this kind, in the active language."""
    if kind != ImportJob.Kind.ACCOUNTS:
        return registry.get(kind).field_label(name)
    return _account_field_label(name)


def _account_field_label(name: str) -> str:
    model = Address if name in ADDRESS_IMPORT_FIELDS else Account
    label = str(getattr(model._meta.get_field(name), "verbose_name", name))
    if name in ADDRESS_IMPORT_FIELDS:
        label = _("%(field)s (head office)") % {"field": label}
    return capfirst(label)


def import_fields(kind: str) -> tuple[str, ...]:
    return registry.get(kind).fields


def field_choices(kind: str = ImportJob.Kind.ACCOUNTS) -> list[tuple[str, str]]:
    return registry.get(kind).field_choices()


def mode_choices(kind: str) -> list[tuple[str, str]]:
    """The modes the kind offers, saying what it is matched on."""
    return registry.get(kind).modes()


def _contact_modes() -> list[tuple[str, str]]:
    return [
        (ImportJob.Mode.CREATE, _("Create new contacts only")),
        (ImportJob.Mode.UPDATE, _("Update existing contacts only (matched on the e-mail)")),
        (ImportJob.Mode.CREATE_OR_UPDATE, _("Create or update contacts (matched on the e-mail)")),
    ]


def _account_modes() -> list[tuple[str, str]]:
    return [
        (ImportJob.Mode.CREATE, _("Create new accounts only")),
        (ImportJob.Mode.UPDATE, _("Update existing accounts only (matched on the SIRET)")),
        (ImportJob.Mode.CREATE_OR_UPDATE, _("Create or update (matched on the SIRET)")),
    ]


def _check_account_mapping(fields: list[str], mode: str) -> None:
    if mode != ImportJob.Mode.UPDATE and "legal_name" not in fields:
        raise ValidationError(_("Map a column to the legal name: every new account needs one."))
    if mode != ImportJob.Mode.CREATE and "siret" not in fields:
        raise ValidationError(_("Map a column to the SIRET: existing accounts are found by their SIRET."))


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
    if not registry.is_known(kind):
        raise ValidationError({"kind": _("Unknown kind of import.")})
    import_kind = registry.get(kind)
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
    mapping = parsing.suggest_mapping(table.headers, synonyms=import_kind.synonyms)
    if not mapping:
        example = import_kind.header_example()
        raise ValidationError(
            {
                "file": _(
                    "No column of this file was recognised. The first row must hold the column names "
                    "(%(example)s)."
                )
                % {"example": example}
            }
        )
    mode = ImportJob.Mode.CREATE
    saved = ImportMapping.objects.filter(kind=kind, signature=_signature(table.headers)).first()
    if saved is not None:
        fields = import_fields(kind)
        mapping = {
            column: name
            for column, name in saved.mapping.items()
            if name in fields and column.isdigit() and int(column) < len(table.headers)
        }
        mode = saved.mode
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
        mode=mode,
        key_field=import_kind.key_field,
        total_rows=total,
        created_by=actor,
        language=get_language() or "fr",
    )


def _signature(headers: list[str]) -> str:
    """The columns of a file as a saved mapping knows them: their names, compared loosely, in order."""
    return hashlib.sha256("\x1f".join(parsing.header_key(header) for header in headers).encode()).hexdigest()


def import_set_mapping(
    *, job: ImportJob, mapping: dict[str, str], mode: str, actor: User | None = None
) -> ImportJob:
    """Record the user's mapping (column index -> field) and mode, and save them for the next file of
    this kind with the same columns. Refuses an unknown field, a field mapped twice, and a mapping
    the mode cannot work with (accounts: no legal name, or an update mode without the SIRET)."""
    if job.status not in {ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED}:
        raise ValidationError(_("This import has already started: its mapping can no longer change."))
    import_kind = registry.get(job.kind)
    if mode not in {value for value, _label in import_kind.modes()}:
        raise ValidationError({"mode": _("Unknown import mode.")})
    cleaned = {column: name for column, name in mapping.items() if name}
    fields = list(cleaned.values())
    if any(name not in import_fields(job.kind) for name in fields):
        raise ValidationError(_("Unknown field in the mapping."))
    if any(not column.isdigit() or int(column) >= len(job.headers) for column in cleaned):
        raise ValidationError(_("Unknown column in the mapping."))
    duplicates = sorted({name for name in fields if fields.count(name) > 1})
    if duplicates:
        raise ValidationError(
            _("Several columns are mapped to the same field: %(fields)s.")
            % {"fields": ", ".join(field_label(name, job.kind) for name in duplicates)}
        )
    import_kind.check_mapping(fields, mode)
    _check_mapping_rules(job, fields, mode)
    job.mapping = cleaned
    job.mode = mode
    job.status = ImportJob.Status.UPLOADED
    job.save(update_fields=["mapping", "mode", "status"])
    _mapping_save(job=job, actor=actor)
    return job


def _check_mapping_rules(job: ImportJob, fields: list[str], mode: str) -> None:
    """The tenant's field rules: computed and synchronised fields are not imported; every required
    field needs a column when rows may create records."""
    model = registry.get(job.kind).model
    rules = field_rules.rules(model)
    # The matching key also finds the record to update: as a key it changes nothing (the service
    # refuses a row that would set a synchronised key on a new record).
    key = {registry.get(job.kind).key_field} if mode != ImportJob.Mode.CREATE else set()
    read_only = [name for name in fields if name in rules and rules[name].is_read_only and name not in key]
    if read_only:
        raise ValidationError(
            _(
                "These fields are computed or synchronised from another system and cannot be "
                "imported: %(fields)s."
            )
            % {"fields": ", ".join(field_label(name, job.kind) for name in read_only)}
        )
    required = [name for name, rule in rules.items() if rule.rule == field_rules.Rule.REQUIRED]
    # A required field with a default (the account type, a contact's language) is filled without a column.
    missing = [name for name in required if name not in fields and not _has_default(model, name)]
    if mode != ImportJob.Mode.UPDATE and missing:
        raise ValidationError(
            _("Map a column to every required field: %(fields)s.")
            % {"fields": ", ".join(field_label(name, job.kind) for name in missing)}
        )


def _has_default(model: type[models.Model], name: str) -> bool:
    field = model._meta.get_field(name)
    return bool(getattr(field, "has_default", lambda: False)())


def _required_mapped(job: ImportJob) -> list[str]:
    """The mapped fields the tenant requires: an empty cell in one of them rejects the row."""
    rules = field_rules.rules(Account)
    return [
        name
        for name in job.mapping.values()
        if name in rules and rules[name].rule == field_rules.Rule.REQUIRED
    ]


def _check_required(account: dict[str, Any], required: list[str]) -> None:
    """An empty cell leaves a field as it is on update: in a required field, it rejects the row (on
    creation the service refuses it, with its own message)."""
    empty = [name for name in required if account.get(name) in (None, "")]
    if empty:
        raise ValidationError({name: _("This field is required.") for name in empty})


def _mapping_save(*, job: ImportJob, actor: User | None) -> None:
    """Keep this mapping for the next file of the same kind with the same columns."""
    ImportMapping.objects.update_or_create(
        kind=job.kind,
        signature=_signature(job.headers),
        defaults={"headers": job.headers, "mapping": job.mapping, "mode": job.mode, "updated_by": actor},
        create_defaults={
            "tenant": job.tenant,
            "headers": job.headers,
            "mapping": job.mapping,
            "mode": job.mode,
            "updated_by": actor,
        },
    )


# Rows ---------------------------------------------------------------------------------------------


def _rows(job: ImportJob) -> Iterator[tuple[int, list[parsing.Cell]]]:
    """(line number in the file, cells) for every data row; line 1 is the header."""
    table = parsing.read_table(
        bytes(job.content), file_format=job.file_format, encoding=job.encoding, delimiter=job.delimiter
    )
    yield from enumerate(table.rows, start=2)


@cache  # built once per set of choices, not once per cell
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
            problems.append(_field_problem(field_label(name), " ".join(error.messages)))
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


def _field_problem(label: object, message: str) -> str:
    """ "SIRET: wrong check digit" in English, "SIRET : clé fausse" in French (a space before the colon)."""
    return _("%(field)s: %(message)s") % {"field": label, "message": message}


def _reason(error: ValidationError, *, kind: str = ImportJob.Kind.ACCOUNTS) -> str:
    duplicates = getattr(error, "duplicates", None)  # the service's likely-duplicates refusal
    if duplicates:
        # Reasons only, never the matching records' names: the importer may not be allowed to see them.
        reasons = sorted({reason for item in duplicates for reason in getattr(item, "reasons", [])})
        return f"{' '.join(error.messages)} ({', '.join(reasons)})"
    if hasattr(error, "error_dict"):
        parts = []
        for name, errors in error.message_dict.items():
            messages = " ".join(errors)
            label = field_label(name, kind) if name in import_fields(kind) else name
            parts.append(messages if name == "__all__" else _field_problem(label, messages))
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
    """Check every row as the run would, without writing; records the job as checked. Each batch goes
    through the batch services with `commit=False`: the same rules, field policies and likely duplicates
    (within a batch and with the stored records) as the run, as the author, with nothing written."""
    membership = _membership_of_author(job)
    if membership is None:
        raise ValidationError(_("The person who started this import is no longer a member of the company."))
    report = DryRunReport()
    seen: set[str] = set()
    rows = registry.get(job.kind).rows
    # As the author, as the run will be: their visibility and their rights on existing records.
    with tenant_scope(job.tenant, membership=membership):
        for chunk in _chunks(_rows(job), BATCH_SIZE):
            outcomes = rows(job, chunk, membership=membership, seen=seen, commit=False)
            for number, cells, action, reason in outcomes:
                report.total += 1
                if not reason:
                    report.valid += 1
                    report.to_create += action == "create"
                    report.to_update += action == "update"
                    report.to_skip += action == "skip"
                    continue
                report.error_count += 1
                if len(report.errors) < PREVIEW_ERRORS:
                    report.errors.append(_reject(number, reason, cells))
    job.status = ImportJob.Status.VALIDATED
    job.total_rows = report.total
    job.save(update_fields=["status", "total_rows"])
    return report


def _contact_rows(
    job: ImportJob,
    chunk: list[tuple[int, list[parsing.Cell]]],
    *,
    membership: Membership,
    seen: set[str],
    commit: bool,
) -> list[tuple[int, list[parsing.Cell], str, str]]:
    """(line, cells, action, reason) for each row of a contact batch, in file order; with `commit`,
    the rows without a reason are written. A number of queries that does not grow with the rows."""
    rows = contact_import.parse(job, chunk)
    contact_import.resolve_accounts(rows, membership=membership)
    contact_import.plan(job, rows, membership=membership, seen=seen)
    for row, reason in contact_import.write(job, rows, membership=membership, commit=commit):
        row.reason = reason
    return [(row.number, row.cells, row.action, row.reason) for row in rows]


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
    job.started_at = job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "started_at", "heartbeat_at"])
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
        chunks = _chunks(_rows(job), BATCH_SIZE)
        for chunk in chunks:
            membership, refusal = supervision.author_refusal(job)  # their rights of the moment
            if membership is None:
                _stop(job, [chunk, *chunks], refusal)
                break
            _run_batch(job, chunk, membership=membership, seen=seen)
    except ValidationError as error:  # the stored file became unreadable: nothing more to do
        with tenant_scope(tenant):
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED, finished_at=timezone.now(), error=" ".join(error.messages)
            )
    else:
        with tenant_scope(tenant):
            ImportJob.objects.filter(pk=job.pk).exclude(status=ImportJob.Status.FAILED).update(
                status=ImportJob.Status.DONE, finished_at=timezone.now()
            )
    with tenant_scope(tenant):
        job.refresh_from_db()
    return job


def _stop(job: ImportJob, chunks: Iterable[list[tuple[int, list[parsing.Cell]]]], refusal: str) -> None:
    """Stop the import before a batch: its rows and all after it are reported as not imported."""
    with tenant_scope(job.tenant):
        done = ImportJob.objects.values_list("processed_rows", flat=True).get(pk=job.pk)
    first_line = 0
    reason = _("Not imported: %(reason)s.") % {"reason": refusal}
    for chunk in chunks:
        first_line = first_line or chunk[0][0]
        rejects = [_reject(number, reason, cells) for number, cells in chunk]
        with tenant_scope(job.tenant):
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=F("processed_rows") + len(chunk),
                rejected_count=F("rejected_count") + len(rejects),
                rejects=_append_rejects(rejects),
                heartbeat_at=timezone.now(),
            )
    error = _(
        "The import stopped at line %(line)s: %(reason)s. %(done)s rows were done; the rows not imported "
        "are in the rejected rows, to import again."
    ) % {"line": first_line, "reason": refusal, "done": done}
    with tenant_scope(job.tenant):
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(), error=error
        )


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
            rows = registry.get(job.kind).rows
            outcomes = rows(job, chunk, membership=membership, seen=seen, commit=True)
            for number, cells, action, reason in outcomes:
                if reason:
                    rejects.append(_reject(number, reason, cells))
                else:
                    counts[{"create": "created", "update": "updated"}.get(action, "skipped")] += 1
            rejects.sort(key=lambda reject: reject["row"])
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=F("processed_rows") + len(chunk),
                created_count=F("created_count") + counts["created"],
                updated_count=F("updated_count") + counts["updated"],
                skipped_count=F("skipped_count") + counts["skipped"],
                rejected_count=F("rejected_count") + len(rejects),
                rejects=_append_rejects(rejects),
                heartbeat_at=timezone.now(),
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
                heartbeat_at=timezone.now(),
            )


def _account_rows(
    job: ImportJob,
    chunk: list[tuple[int, list[parsing.Cell]]],
    *,
    membership: Membership,
    seen: set[str],
    commit: bool,
) -> list[tuple[int, list[parsing.Cell], str, str]]:
    """(line, cells, action, reason) for each row of an account batch, in file order; with `commit`,
    the rows without a reason are written, through the account batch services (the rules of
    account_create, account_update and address_save) in a number of queries that does not grow with
    the rows."""
    outcomes: dict[int, tuple[int, list[parsing.Cell], str, str]] = {}
    parsed: list[tuple[int, list[parsing.Cell], dict[str, Any], dict[str, Any]]] = []
    required = _required_mapped(job)
    for number, cells in chunk:
        try:
            account, address = _row_values(job, cells)
        except RowError as error:
            outcomes[number] = (number, cells, "create", str(error))
            continue
        parsed.append((number, cells, account, address))
    existing = _existing_by_siret(_normalized_siret(account) for _n, _c, account, _a in parsed)
    actor, role = membership.user, membership.role
    creates: list[tuple[int, list[parsing.Cell], dict[str, Any], dict[str, Any]]] = []
    updates: list[tuple[int, list[parsing.Cell], dict[str, Any], dict[str, Any], Account]] = []
    for number, cells, account, address in parsed:
        siret = _normalized_siret(account)
        action, reason = _action(job, siret in existing, siret)
        if not reason and siret and action != "skip":
            if siret in seen:
                reason = _("This SIRET is already on an earlier row of the file.")
            seen.add(siret)
        if not reason and action == "update":
            current = existing[siret]
            try:
                _check_required(account, required)
            except ValidationError as error:
                reason = _reason(error)
            else:
                if not actor.has_perm("accounts.change_account", current):
                    reason = _("Your role may not change this existing account.")
                else:
                    updates.append((number, cells, account, address, current))
                    continue
        elif not reason and action == "create":
            creates.append((number, cells, account, address))
            continue
        outcomes[number] = (number, cells, action, reason)
    # The updates first: a new account is then compared with the accounts as this file leaves them.
    updated = account_services.account_update_many(
        actor=actor,
        changes=[(current, account) for _n, _c, account, _a, current in updates],
        head_offices=[address or None for _n, _c, _a, address, _current in updates],
        role=role,
        commit=commit,
    )
    for (number, cells, *_rest), result in zip(updates, updated, strict=True):
        outcomes[number] = (number, cells, "update", _result_reason(result))
    created = account_services.account_create_many(
        tenant=job.tenant,
        actor=actor,
        rows=[account for _n, _c, account, _a in creates],
        head_offices=[address or None for _n, _c, _a, address in creates],
        role=role,
        commit=commit,
    )
    for (number, cells, *_rest), result in zip(creates, created, strict=True):
        outcomes[number] = (number, cells, "create", _result_reason(result))
    return [outcomes[number] for number, _cells in chunk]


def _result_reason(result: Account | ValidationError) -> str:
    return _reason(result) if isinstance(result, ValidationError) else ""


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


# The kinds this app imports -----------------------------------------------------------------------


def _account_batch(
    job: ImportJob,
    chunk: list[tuple[int, list[parsing.Cell]]],
    *,
    membership: Membership,
    seen: set[str],
    commit: bool,
) -> list[tuple[int, list[parsing.Cell], str, str]]:
    return _account_rows(job, chunk, membership=membership, seen=seen, commit=commit)  # looked up late


def _contact_batch(
    job: ImportJob,
    chunk: list[tuple[int, list[parsing.Cell]]],
    *,
    membership: Membership,
    seen: set[str],
    commit: bool,
) -> list[tuple[int, list[parsing.Cell], str, str]]:
    return _contact_rows(job, chunk, membership=membership, seen=seen, commit=commit)


def register_kinds() -> None:
    """Accounts and contacts, registered by AccountsConfig.ready()."""
    registry.register(
        registry.ImportKind(
            key=ImportJob.Kind.ACCOUNTS,
            label=ImportJob.Kind.ACCOUNTS.label,
            fields=IMPORT_FIELDS,
            field_label=_account_field_label,
            synonyms=None,  # parsing's own: the accounts' columns
            rows=_account_batch,
            model=Account,
            add_permission="accounts.add_account",
            change_permission="accounts.change_account",
            key_field="siret",
            modes=_account_modes,
            check_mapping=_check_account_mapping,
            header_example=lambda: _("for example “Raison sociale”, “SIRET”, “Code postal”"),
            upload_label=gettext_lazy("Import accounts"),
            created_label=gettext_lazy("Accounts created"),
            updated_label=gettext_lazy("Accounts updated"),
            to_create_label=gettext_lazy("Accounts to create"),
            to_update_label=gettext_lazy("Accounts to update"),
            order=10,
        )
    )
    registry.register(
        registry.ImportKind(
            key=ImportJob.Kind.CONTACTS,
            label=ImportJob.Kind.CONTACTS.label,
            fields=contact_import.IMPORT_FIELDS,
            field_label=contact_import.field_label,
            synonyms=contact_import.HEADER_SYNONYMS,
            rows=_contact_batch,
            model=Contact,
            add_permission="accounts.add_contact",
            change_permission="accounts.change_contact",
            key_field="email",
            modes=_contact_modes,
            check_mapping=contact_import.check_mapping,
            header_example=lambda: _("for example “Prénom”, “Nom”, “E-mail”, “SIRET”"),
            upload_label=gettext_lazy("Import contacts"),
            created_label=gettext_lazy("Contacts created"),
            updated_label=gettext_lazy("Contacts updated"),
            to_create_label=gettext_lazy("Contacts to create"),
            to_update_label=gettext_lazy("Contacts to update"),
            help_template="imports/_help_contacts.html",
            order=20,
        )
    )
