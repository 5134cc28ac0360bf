"""The contact kind of the import: its fields, how a row finds its account and its existing contact, and
what a batch of rows does. The job, the file, the batches, the counters and the rejected rows are the
shared machinery of `accounts.imports.services`; the writes are `accounts.services`' batch services.

A row's account is found, among the accounts its author may see, by the account's SIRET when the row
gives one (the SIRET decides: an unknown SIRET rejects the row, the name is not tried), else by its
exact legal name (letter case and spaces aside; a name several accounts share rejects the row). An
account the author may not see counts as unknown. Accounts have no external id yet, so there is none
to find them by.

Existing contacts are matched on their e-mail, among the contacts the author may see: contacts have
no external id, so the e-mail is the key. A contact the author may not see is never updated; creating
it again is refused as a likely duplicate ("same e-mail"), without its name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts import identifiers
from accounts import services as account_services
from accounts.imports import parsing
from accounts.imports import services as pipeline  # the shared machinery (imports this module lazily)
from accounts.imports.models import ImportJob
from accounts.models import Account, Contact
from crm.models import Membership

CONTACT_FIELDS = (
    "salutation", "first_name", "last_name", "job_title", "department", "phone", "mobile", "email",
    "language", "relationship_status", "contact_frequency", "do_not_call",
)  # fmt: skip
ACCOUNT_KEY_FIELDS = ("account_siret", "account_name")
IMPORT_FIELDS = (*CONTACT_FIELDS, *ACCOUNT_KEY_FIELDS)

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "salutation": ("civilite", "titre", "salutation", "title", "mr mrs"),
    "first_name": ("prenom", "first name", "firstname", "given name", "forename"),
    "last_name": ("nom", "nom de famille", "last name", "lastname", "surname", "family name", "name"),
    "job_title": ("fonction", "poste", "intitule de poste", "job title", "position", "role"),
    "department": ("service", "departement", "direction", "department", "division"),
    "phone": (
        "telephone", "tel", "telephone fixe", "ligne directe", "telephone direct", "phone", "direct phone",
        "phone number", "work phone", "office phone", "business phone",
    ),
    "mobile": ("portable", "mobile", "telephone portable", "tel portable", "gsm", "cell", "mobile phone",
               "cell phone"),
    "email": ("e mail", "email", "mail", "courriel", "adresse e mail", "adresse email", "adresse mail",
              "email address", "e mail address", "work email"),
    "language": ("langue", "language", "langue preferee", "preferred language"),
    "relationship_status": ("statut", "statut relationnel", "statut de la relation", "relationship status",
                            "status"),
    "contact_frequency": ("frequence", "frequence de contact", "contact frequency", "frequency"),
    "do_not_call": ("ne pas appeler", "bloctel", "do not call", "dnc"),
    "account_siret": ("siret", "siret du compte", "siret de l entreprise", "siret societe", "n siret",
                      "account siret", "company siret"),
    "account_name": ("societe", "entreprise", "raison sociale", "compte", "nom de l entreprise",
                     "company", "company name", "account", "account name", "organisation", "organization"),
}  # fmt: skip

CHOICE_FIELDS: dict[str, Any] = {
    "salutation": Contact.Salutation,
    "relationship_status": Contact.RelationshipStatus,
    "contact_frequency": Contact.Frequency,
}
# What people write that the choices' labels do not say.
EXTRA_CHOICES: dict[str, dict[str, str]] = {
    "salutation": {
        "m": "m", "m.": "m", "mr": "m", "mr.": "m", "monsieur": "m",
        "mme": "mme", "mme.": "mme", "madame": "mme", "mrs": "mme", "mrs.": "mme", "ms.": "mme",
        "mlle": "mme", "mademoiselle": "mme", "miss": "mme",
    },
}  # fmt: skip
_YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_NO = {"non", "n", "no", "faux", "false", "0"}


def field_label(name: str) -> str:
    if name == "account_siret":
        return _("Company SIRET")
    if name == "account_name":
        return _("Company name")
    return capfirst(str(getattr(Contact._meta.get_field(name), "verbose_name", name)))


def check_mapping(fields: list[str], mode: str) -> None:
    """New contacts need a first and last name and a company; updates find the contact by its e-mail."""
    if mode != ImportJob.Mode.UPDATE:
        if "first_name" not in fields or "last_name" not in fields:
            raise ValidationError(
                _("Map a column to the first name and one to the last name: every new contact needs both.")
            )
        if not any(name in fields for name in ACCOUNT_KEY_FIELDS):
            raise ValidationError(
                _("Map a column to the company's SIRET or name: every new contact belongs to an account.")
            )
    if mode != ImportJob.Mode.CREATE and "email" not in fields:
        raise ValidationError(_("Map a column to the e-mail: existing contacts are found by their e-mail."))


# Rows ---------------------------------------------------------------------------------------------


@dataclass(eq=False)  # rows are told apart by identity
class Row:
    number: int
    cells: list[parsing.Cell]
    data: dict[str, Any] = field(default_factory=dict)  # contact fields, as read
    email: str = ""  # normalised: the key
    phones: tuple[str, ...] = ()  # normalised, for the duplicates within the file
    account_siret: str = ""
    account_name: str = ""
    reason: str = ""
    action: str = ""  # "create", "update" or "skip"
    existing: Contact | None = None


def _convert(name: str, cell: parsing.Cell) -> Any:
    text = parsing.cell_text(cell)
    if not text:
        return ""
    if name in CHOICE_FIELDS:
        value = _choice_lookup(name).get(pipeline._fold(text))
        if value is None:
            raise ValidationError(_("“%(value)s” is not one of the choices."), params={"value": text})
        return value
    if name == "language":
        return _language(text)
    if name == "do_not_call":
        folded = text.lower()
        if folded in _YES:
            return True
        if folded in _NO:
            return False
        raise ValidationError(_("“%(value)s” is neither yes nor no."), params={"value": text})
    if name == "account_siret" and text.endswith(".0"):  # a number Excel wrote as a float
        return text[:-2]
    return text


@cache
def _choice_lookup(name: str) -> dict[str, str]:
    """Each way to write a choice (its value, its French and English labels, the usual abbreviations)."""
    return pipeline._choice_lookup(CHOICE_FIELDS[name]) | EXTRA_CHOICES.get(name, {})


@cache
def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for language in ("fr", "en"):
        with override(language):
            names |= {pipeline._fold(name): code for code, name in identifiers.language_choices()}
    return names


def _language(text: str) -> str:
    """An ISO 639-1 code ("fr") or a language's name in French or English ("Français", "German")."""
    try:
        return identifiers.normalize_language(text)
    except ValidationError:
        code = _language_names().get(pipeline._fold(text))
        if code is None:
            raise
        return code


def parse(job: ImportJob, chunk: list[tuple[int, list[parsing.Cell]]]) -> list[Row]:
    """Read each row's cells; an unreadable cell, a wrong e-mail or phone gives the row its reason."""
    rows = []
    for number, cells in chunk:
        row = Row(number, cells)
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
            if name in ACCOUNT_KEY_FIELDS:
                setattr(row, name, value)
            else:
                row.data[name] = value
        # The contact service's normalisation, early: the e-mail is the key and the phones are compared.
        try:
            checked: dict[str, Any] = {
                name: row.data[name] for name in ("email", "phone", "mobile") if name in row.data
            }
            normalised = _normalise_contact_details(checked, tenant=job.tenant)
            row.email = normalised.get("email", "")
            row.phones = tuple(normalised[name] for name in ("phone", "mobile") if normalised.get(name))
        except ValidationError as error:
            problems.append(pipeline._reason(error, kind=ImportJob.Kind.CONTACTS))
        row.reason = " ".join(problems)
        rows.append(row)
    return rows


def _normalise_contact_details(data: dict[str, Any], *, tenant: Any) -> dict[str, Any]:
    """The e-mail and phones as contact_normalize writes them (names are not checked here)."""
    try:
        named = {"first_name": "-", "last_name": "-", **data}
        return account_services.contact_normalize(named, tenant=tenant)
    except ValidationError as error:
        raise ValidationError(
            {name: messages for name, messages in error.message_dict.items() if name in data}
        ) from None


def resolve_accounts(rows: list[Row], *, membership: Membership) -> None:
    """Give each row its account, found among those the author may see (two queries per batch)."""
    visible = Account.objects.visible_to(membership)
    sirets: dict[Row, str] = {}
    for row in rows:
        if row.reason or not row.account_siret:
            continue
        try:
            sirets[row] = identifiers.normalize_siret(row.account_siret)
        except ValidationError as error:
            row.reason = f"{field_label('account_siret')}: {' '.join(error.messages)}"
    by_siret = {account.siret: account for account in visible.filter(siret__in=set(sirets.values()))}
    names = {
        _name_key(row.account_name)
        for row in rows
        if not row.reason and row.account_name and row not in sirets
    }
    by_name: dict[str, list[Account]] = {}
    if names:
        for account in visible.annotate(name_key=Lower("legal_name")).filter(name_key__in=names):
            by_name.setdefault(_name_key(account.legal_name), []).append(account)
    for row in rows:
        if row.reason:
            continue
        if row in sirets:
            matched = by_siret.get(sirets[row])
            if matched is None:
                row.reason = _("No account you may see has the SIRET %(siret)s.") % {"siret": sirets[row]}
                continue
            row.data["account"] = matched
        elif row.account_name:
            found = by_name.get(_name_key(row.account_name), [])
            if not found:
                row.reason = _("No account you may see is named “%(name)s”.") % {"name": row.account_name}
            elif len(found) > 1:
                row.reason = _("Several accounts are named “%(name)s”: give the company's SIRET.") % {
                    "name": row.account_name
                }
            else:
                row.data["account"] = found[0]


def _name_key(name: str) -> str:
    return " ".join(name.split()).lower()


def plan(job: ImportJob, rows: list[Row], *, membership: Membership, seen: set[str]) -> None:
    """Decide each row's action from the mode and the contacts the author may see with its e-mail
    (one query), and reject the e-mails and phones already on an earlier row of the file."""
    emails = {row.email for row in rows if row.email and not row.reason}
    existing: dict[str, list[Contact]] = {}
    if emails and job.mode != ImportJob.Mode.CREATE:
        matches = Contact.objects.visible_to(membership).filter(email__in=emails).select_related("account")
        for contact in matches:
            existing.setdefault(contact.email, []).append(contact)
    for row in rows:
        if row.reason:
            continue
        row.action, row.reason = _action(job, row, existing.get(row.email, []))
        if row.reason or row.action == "skip":
            continue
        if row.action == "create" and "account" not in row.data:
            row.reason = _("The company is required: give its SIRET or its name.")
            continue
        keys = ([f"email:{row.email}"] if row.email else []) + [f"phone:{phone}" for phone in row.phones]
        if row.email and f"email:{row.email}" in seen:
            row.reason = _("This e-mail is already on an earlier row of the file.")
        elif any(key in seen for key in keys):
            row.reason = _("This phone number is already on an earlier row of the file.")
        seen.update(keys)


def _action(job: ImportJob, row: Row, existing: list[Contact]) -> tuple[str, str]:
    """("create" | "update" | "skip", reason for a rejection or "")."""
    if job.mode == ImportJob.Mode.CREATE:
        return "create", ""  # a contact with the same e-mail is refused as a likely duplicate
    if not row.email:
        return "skip", _("The e-mail is required to find the contact to update.")
    if len(existing) > 1:
        return "skip", _("Several contacts have this e-mail: update them one by one.")
    if existing:
        row.existing = existing[0]
        return "update", ""
    if job.mode == ImportJob.Mode.UPDATE:
        return "skip", ""  # not in the CRM: an update-only import leaves it out
    return "create", ""


def write(
    job: ImportJob, rows: list[Row], *, membership: Membership, commit: bool
) -> Iterator[tuple[Row, str]]:
    """Create and update the planned rows through the contact batch services; yields (row, reason)
    for each row, the reason empty when it was (or, without `commit`, would be) written."""
    actor, role = membership.user, membership.role
    creates = [row for row in rows if not row.reason and row.action == "create"]
    updates = []
    for row in rows:
        if row.reason or row.action != "update":
            continue
        assert row.existing is not None
        if not actor.has_perm("accounts.change_contact", row.existing):
            yield row, _("Your role may not change this existing contact.")
            continue
        updates.append(row)
    created = account_services.contact_create_many(
        tenant=job.tenant, actor=actor, rows=[row.data for row in creates], role=role, commit=commit
    )
    for row, result in zip(creates, created, strict=True):
        yield row, _result_reason(result)
    changes = [(row.existing, row.data) for row in updates if row.existing is not None]
    updated = account_services.contact_update_many(actor=actor, changes=changes, role=role, commit=commit)
    for row, result in zip(updates, updated, strict=True):
        yield row, _result_reason(result)


def _result_reason(result: Contact | ValidationError) -> str:
    if isinstance(result, ValidationError):
        return pipeline._reason(result, kind=ImportJob.Kind.CONTACTS)
    return ""
