"""Reading the files people really send: CSV from Excel in French (semicolons, Windows-1252, decimal
commas, dd/mm/yyyy) or elsewhere (UTF-8 with or without BOM, commas or tabs), and XLSX.

Nothing here touches the database: these functions turn bytes into rows of cells and cells into
Python values, and refuse with a translated `ValidationError` what cannot be read.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CSV = "csv"
XLSX = "xlsx"
MAX_FILE_BYTES = 20 * 1024 * 1024
DELIMITERS = ";,\t|"
# Control characters never found in a text file; their presence means a binary file renamed .csv.
_BINARY_BYTES = set(range(0, 9)) | {11, 12} | set(range(14, 32)) - {27}
_SPACES = re.compile(r"[\s\u00a0\u202f']+")

Cell = str | int | float | Decimal | date | datetime | None


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: Iterator[list[Cell]]


def file_format(filename: str, content: bytes) -> str:
    """ "csv" or "xlsx", from the name and the first bytes; refuses anything else, and empty files."""
    if not content.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 20 MB: split it into several files."), code="size")
    name = filename.lower()
    if name.endswith(".xlsx"):
        if not content.startswith(b"PK\x03\x04"):
            raise ValidationError(_("This file is not a valid XLSX workbook."), code="format")
        return XLSX
    if name.endswith((".csv", ".txt", ".tsv")):
        if content.startswith(b"PK\x03\x04") or _looks_binary(content[:4096]):
            raise ValidationError(
                _("This file is not a CSV text file. Save it as CSV or XLSX and try again."), code="format"
            )
        return CSV
    raise ValidationError(_("Only CSV and XLSX files can be imported."), code="format")


def _looks_binary(sample: bytes) -> bool:
    return any(byte in _BINARY_BYTES for byte in sample)


def decode(content: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (a BOM is dropped), else Windows-1252 (Excel's French default)."""
    try:
        if content.startswith(b"\xef\xbb\xbf"):
            return content.decode("utf-8-sig"), "utf-8-sig"
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file's characters could not be read: save it as CSV UTF-8 and try again."),
            code="encoding",
        ) from None


def sniff_delimiter(text: str) -> str:
    """Semicolon, comma, tab or pipe, from the first lines; a semicolon when in doubt (French Excel)."""
    sample = text[:16384]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first_line = sample.splitlines()[0] if sample else ""
        counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ";"


def _csv_rows(text: str, delimiter: str) -> Iterator[list[Cell]]:
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if any(cell.strip() for cell in row):
            yield list(row)


def _xlsx_rows(content: bytes) -> Iterator[list[Cell]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationError(_("This file is not a valid XLSX workbook."), code="format") from None
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            row: list[Cell] = [_xlsx_cell(value) for value in values]
            if any(cell not in (None, "") for cell in row):
                yield row
    finally:
        workbook.close()


def _xlsx_cell(value: Any) -> Cell:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | Decimal | date | datetime):
        return value
    return str(value)


def read_table(content: bytes, *, file_format: str, encoding: str = "", delimiter: str = "") -> Table:
    """The header row and an iterator over the other rows (blank rows skipped)."""
    if file_format == XLSX:
        rows = _xlsx_rows(content)
    else:
        text = content.decode(encoding) if encoding else decode(content)[0]
        rows = _csv_rows(text, delimiter or sniff_delimiter(text))
    try:
        header_row = next(rows)
    except StopIteration:
        raise ValidationError(_("The file is empty."), code="empty") from None
    except csv.Error:
        raise ValidationError(_("The file could not be read as CSV."), code="format") from None
    headers = [cell_text(cell) for cell in header_row]
    return Table(headers, rows)


# Cells to values ---------------------------------------------------------------------------------


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


def parse_decimal(value: Cell) -> Decimal | None:
    """ "1 250 000,50", "1.250.000,50", "1,250,000.50", "1250000.5", "12 000 €" -> Decimal; "" -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(_("“%(value)s” is not a number."), params={"value": value})
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    raw = str(value)
    text = _SPACES.sub("", raw).replace("€", "").replace("EUR", "").replace("$", "").replace("£", "")
    if not text:
        return None
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number."), params={"value": raw}) from None
    if not number.is_finite():
        raise ValidationError(_("“%(value)s” is not a number."), params={"value": raw})
    return number


_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")


def parse_date(value: Cell) -> date | None:
    """dd/mm/yyyy (also with dots or hyphens) or ISO yyyy-mm-dd; XLSX dates as they come; "" -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    day_first = _DAY_FIRST.fullmatch(raw)
    iso = _ISO.fullmatch(raw)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            return date(year, month, day)
        if iso:
            year, month, day = (int(part) for part in iso.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise ValidationError(
        _("“%(value)s” is not a date: write it as dd/mm/yyyy or yyyy-mm-dd."), params={"value": raw}
    )


# Header mapping ----------------------------------------------------------------------------------


def header_key(header: str) -> str:
    """ "N° TVA intracom." -> "n tva intracom": lowercase, no accents, punctuation as spaces."""
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# Field -> the headers (as `header_key` writes them) that mean it, in French and English.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "legal_name": (
        "raison sociale", "nom", "nom de l entreprise", "nom entreprise", "societe", "entreprise",
        "denomination", "company", "company name", "name", "legal name", "account", "account name",
    ),
    "trade_name": ("nom commercial", "enseigne", "trade name", "brand", "dba"),
    "legal_form": ("forme juridique", "statut juridique", "legal form"),
    "siret": ("siret", "n siret", "numero siret", "no siret"),
    "siren": ("siren", "n siren", "numero siren", "no siren"),
    "vat_number": (
        "n tva", "tva", "numero tva", "n tva intracom", "tva intracommunautaire", "numero de tva",
        "vat", "vat number", "vat id", "n de tva", "n tva intracommunautaire", "no tva",
        "numero tva intracommunautaire", "numero tva intracom", "tva intracom", "identifiant tva",
        "eu vat number", "intra community vat number",
    ),
    "naf_code": ("code naf", "naf", "ape", "code ape", "naf ape", "code naf ape", "activity code"),
    "naics_code": ("naics", "code naics", "naics code", "scian", "code scian"),
    "website": ("site web", "site internet", "site", "website", "web", "url"),
    "account_type": ("type", "type de compte", "account type", "categorie"),
    "origin": ("origine", "source", "origin", "lead source"),
    "revenue_band": ("tranche de ca", "revenue band"),
    "headcount_band": ("tranche d effectif", "effectif", "headcount", "headcount band", "employees"),
    "currency": ("devise", "monnaie", "currency"),
    "customer_revenue": ("ca", "chiffre d affaires", "ca client", "revenue", "customer revenue"),
    "estimated_potential": ("potentiel", "potentiel estime", "potential", "estimated potential"),
    "last_purchase_date": ("dernier achat", "date du dernier achat", "last purchase", "last purchase date"),
    "line1": ("adresse", "adresse 1", "rue", "address", "address 1", "street", "address line 1"),
    "line2": ("adresse 2", "complement d adresse", "complement", "address 2", "address line 2"),
    "postal_code": ("code postal", "cp", "postal code", "zip", "zip code", "postcode"),
    "city": ("ville", "commune", "localite", "city", "town"),
    "country": ("pays", "country"),
}  # fmt: skip

_SYNONYM_INDEX = {synonym: field for field, synonyms in HEADER_SYNONYMS.items() for synonym in synonyms}
# Small words people put in or leave out ("date du dernier achat", "date dernier achat").
_FILLER_WORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "of", "the", "a"})


def _without_fillers(key: str) -> str:
    return " ".join(word for word in key.split() if word not in _FILLER_WORDS)


_LOOSE_INDEX = {
    _without_fillers(synonym): field for field, synonyms in HEADER_SYNONYMS.items() for synonym in synonyms
}


def suggest_mapping(
    headers: Sequence[str], *, synonyms: dict[str, tuple[str, ...]] | None = None
) -> dict[str, str]:
    """Column index (as text, as JSON keys are) -> field, for the headers we recognise (by default as
    accounts' columns; `synonyms` for another kind); a field is suggested for its first column only."""
    if synonyms is None:
        exact, loose = _SYNONYM_INDEX, _LOOSE_INDEX
    else:
        exact = {synonym: field for field, names in synonyms.items() for synonym in names}
        loose = {_without_fillers(synonym): field for synonym, field in exact.items()}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        key = header_key(header)
        field = exact.get(key) or loose.get(_without_fillers(key))
        if field and field not in taken:
            mapping[str(index)] = field
            taken.add(field)
    return mapping
