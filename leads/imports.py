"""The lead kind of the import job (`accounts.imports`): a purchased list or a trade-show file becomes
leads, through `leads.services.lead_create_many` (lead_create's rules, in batches).

Each row is a new lead, status new: normalised as a lead typed in a page (e-mail, phone in E.164 with
the tenant's country as the default, SIRET with its check digit, postal code), placed in its territory,
assigned by the tenant's assignment rules (or sent to the fallback queue), its first contact due by the
SLA of its source. The source is the column matched on the tenant's lead sources (their name or code),
else the "Purchased list" source. A row whose e-mail is already on an earlier row of the file, or on an
open lead of the company, is rejected as a duplicate. Leads are only created: there is no update mode.

Registered by LeadsConfig.ready(); importing leads needs leads.add_lead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from accounts import identifiers
from accounts.imports import parsing, registry
from accounts.imports import services as pipeline
from accounts.imports.models import ImportJob
from crm.models import Membership
from leads.models import Lead, LeadSource
from leads.services import Channel, lead_create_many

KIND = "lead"
PURCHASED_LIST = "purchased_list"  # the code of the default source (LeadSource.DEFAULTS)

IMPORT_FIELDS = (
    "first_name", "last_name", "email", "phone", "job_title", "language", "company_name", "siret",
    "country", "postal_code", "city", "source", "campaign", "utm_source", "utm_medium", "utm_campaign",
    "utm_term", "utm_content", "score",
)  # fmt: skip

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("prenom", "first name", "firstname", "given name"),
    "last_name": ("nom", "nom de famille", "last name", "lastname", "surname", "family name", "name"),
    "email": ("e mail", "email", "mail", "courriel", "adresse e mail", "adresse email", "adresse mail",
              "email address", "e mail address"),
    "phone": ("telephone", "tel", "portable", "mobile", "phone", "phone number", "telephone portable"),
    "job_title": ("fonction", "poste", "intitule de poste", "job title", "position", "title"),
    "language": ("langue", "language"),
    "company_name": ("societe", "entreprise", "raison sociale", "organisation", "company", "company name",
                     "organization", "account name"),
    "siret": ("siret", "n siret", "numero siret", "siret number"),
    "country": ("pays", "country"),
    "postal_code": ("code postal", "cp", "postal code", "zip", "zip code", "postcode"),
    "city": ("ville", "commune", "city", "town"),
    "source": ("source", "origine", "provenance", "source du lead", "lead source", "origin"),
    "campaign": ("campagne", "campaign", "evenement", "salon", "event"),
    "utm_source": ("utm source", "utm_source"),
    "utm_medium": ("utm medium", "utm_medium"),
    "utm_campaign": ("utm campaign", "utm_campaign"),
    "utm_term": ("utm term", "utm_term"),
    "utm_content": ("utm content", "utm_content"),
    "score": ("score", "note", "scoring"),
}  # fmt: skip


def field_label(name: str) -> str:
    return capfirst(str(getattr(Lead._meta.get_field(name), "verbose_name", name)))


def mode_choices() -> list[tuple[str, str]]:
    return [
        (ImportJob.Mode.CREATE, _("Create new leads only (an e-mail already on an open lead is rejected)"))
    ]


def check_mapping(fields: list[str], mode: str) -> None:
    if "last_name" not in fields:
        raise ValidationError(_("Map a column to the last name: every new lead needs one."))


# Rows ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Row:
    number: int
    cells: list[parsing.Cell]
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


def _sources() -> tuple[dict[str, LeadSource], LeadSource | None]:
    """The tenant's sources by their folded name and code (one query), and the default one."""
    by_key: dict[str, LeadSource] = {}
    for source in LeadSource.objects.filter(is_active=True):
        by_key.setdefault(pipeline._fold(source.code.replace("_", " ")), source)
        by_key.setdefault(pipeline._fold(source.name), source)
    default = next(
        (source for source in by_key.values() if source.code == PURCHASED_LIST), None
    ) or by_key.get(pipeline._fold(str(_("Purchased list"))))
    return by_key, default


def _default_source(job: ImportJob, *, commit: bool) -> LeadSource | None:
    """The "Purchased list" source (even made inactive), created when the tenant has none (not in a
    dry run)."""
    existing = LeadSource.objects.filter(code=PURCHASED_LIST).first()
    if existing is not None or not commit:
        return existing
    with override(job.language):
        name = str(_("Purchased list"))
    source = LeadSource(tenant=job.tenant, code=PURCHASED_LIST, name=name, position=len(LeadSource.DEFAULTS))
    source.save()
    return source


def parse(job: ImportJob, chunk: list[tuple[int, list[parsing.Cell]]], *, commit: bool) -> list[Row]:
    """Each row's values; an unknown source or language gives the row its reason."""
    sources, default = _sources()
    rows = []
    for number, cells in chunk:
        row = Row(number, cells)
        problems: list[str] = []
        for column, name in job.mapping.items():
            index = int(column)
            text = parsing.cell_text(cells[index] if index < len(cells) else None)
            if not text:
                continue
            if name == "source":
                source = sources.get(pipeline._fold(text))
                if source is None:
                    problems.append(
                        _("Unknown source “%(value)s”: use one of %(sources)s.")
                        % {
                            "value": text,
                            "sources": ", ".join(sorted({f"“{item.name}”" for item in sources.values()})),
                        }
                    )
                    continue
                row.data["source"] = source
            elif name == "language":
                try:
                    row.data["language"] = identifiers.normalize_language(text)
                except ValidationError as error:
                    problems.append(pipeline._field_problem(field_label(name), " ".join(error.messages)))
            elif name == "siret" and text.endswith(".0"):  # a number Excel wrote as a float
                row.data[name] = text[:-2]
            else:
                row.data[name] = text
        row.reason = " ".join(problems)
        rows.append(row)
    if any("source" not in row.data and not row.reason for row in rows):
        default = default or _default_source(job, commit=commit)
        for row in rows:
            if "source" not in row.data and default is not None:
                row.data["source"] = default
    return rows


def _email_key(data: dict[str, Any]) -> str:
    try:
        return str(identifiers.normalize_email(data["email"])).lower() if data.get("email") else ""
    except ValidationError:
        return ""  # the service gives the reason


def batch(
    job: ImportJob,
    chunk: list[tuple[int, list[parsing.Cell]]],
    *,
    membership: Membership,
    seen: set[str],
    commit: bool,
) -> list[tuple[int, list[parsing.Cell], str, str]]:
    """(line, cells, "create", reason) for each row, in file order; with `commit`, the rows without a
    reason are created through lead_create_many, as the author (their role's field policies)."""
    rows = parse(job, chunk, commit=commit)
    for row in rows:
        if row.reason:
            continue
        email = _email_key(row.data)
        if email and f"email:{email}" in seen:
            row.reason = _("This e-mail is already on an earlier row of the file.")
        elif email:
            seen.add(f"email:{email}")
    creates = [row for row in rows if not row.reason]
    results = lead_create_many(
        tenant=job.tenant,
        actor=membership.user,
        rows=[row.data for row in creates],
        channel=Channel.IMPORT,
        role=membership.role,
        commit=commit,
    )
    for row, result in zip(creates, results, strict=True):
        if isinstance(result, ValidationError):
            row.reason = pipeline._reason(result, kind=KIND)
    return [(row.number, row.cells, "create", row.reason) for row in rows]


def register() -> None:
    registry.register(
        registry.ImportKind(
            key=KIND,
            label=gettext_lazy("Leads"),
            fields=IMPORT_FIELDS,
            field_label=field_label,
            synonyms=HEADER_SYNONYMS,
            rows=batch,
            model=Lead,
            add_permission="leads.add_lead",
            key_field="email",
            modes=mode_choices,
            check_mapping=check_mapping,
            header_example=lambda: _("for example “Nom”, “Prénom”, “E-mail”, “Société”"),
            upload_label=gettext_lazy("Import leads"),
            created_label=gettext_lazy("Leads created"),
            updated_label=gettext_lazy("Leads updated"),
            to_create_label=gettext_lazy("Leads to create"),
            to_update_label=gettext_lazy("Leads to update"),
            help_template="leads/_import_help.html",
            order=30,
        )
    )
