"""Writes on accounts and contacts. Pages, API and imports all call these: one set of rules.

Each function normalises and checks its input (identifiers, phones, emails, postal codes), refuses
what is wrong with field errors in the user's language, writes atomically with the acting user in
the history, and refuses to overwrite a newer version (optimistic locking on `version`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import identifiers
from accounts.duplicates import (
    Duplicate,
    account_duplicates,
    account_duplicates_many,
    contact_duplicate_reasons_many,
    contact_duplicates,
)
from accounts.models import Account, Address, Consent, Contact, Segment, TerritoryRule
from accounts.territories import account_place_in_territory, territory_among, territory_apply
from crm.history import bulk_create_with_history, bulk_update_with_history
from crm.models import ApiKey, Tenant, User
from crm.trees import would_make_a_loop
from governance import field_rules, search
from governance.field_policies import locked_fields
from governance.models import Territory

ACCOUNT_FIELDS = (
    "territory",
    "territory_set_by_hand",
    "legal_name", "trade_name", "legal_form", "siren", "siret", "vat_number", "naf_code", "naics_code",
    "website", "account_type", "revenue_band", "headcount_band", "segment", "origin", "owner", "partner",
    "parent", "currency", "customer_revenue", "estimated_potential", "last_purchase_date",
    "relationship_status_override",
)  # fmt: skip
CONTACT_FIELDS = (
    "salutation", "first_name", "last_name", "job_title", "department", "team", "phone", "mobile", "email",
    "language", "account", "manager", "owner", "topics", "products_of_interest", "preferred_channels",
    "contact_frequency", "relationship_status", "do_not_call",
)  # fmt: skip
# The code of the ValidationError raised when `expected_version` is not the stored one: callers
# that can show the fresh record (inline edit) tell it apart from other errors.
STALE_VERSION = "stale_version"


@dataclass
class Outcome:
    """What a write produced, and what the user should know but did not block it."""

    record: Any
    warnings: list[str] = field(default_factory=list)


def _collect(errors: dict[str, list[str]], name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except ValidationError as error:
        errors.setdefault(name, []).extend(error.messages)
        return args[0] if args else None


def account_normalize(data: dict[str, Any], *, tenant: Tenant) -> tuple[dict[str, Any], list[str]]:
    """Normalise the identifiers of an account. Raises ValidationError with every field's problem."""
    data = dict(data)
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    for name in ("legal_name", "trade_name"):
        if data.get(name):
            data[name] = identifiers.normalize_name(data[name])
    if not data.get("legal_name"):
        errors["legal_name"] = [_("The legal name is required.")]
    if data.get("siret"):
        data["siret"] = _collect(errors, "siret", identifiers.normalize_siret, data["siret"])
        if "siret" not in errors:
            derived = identifiers.siren_from_siret(data["siret"])
            typed = (
                _collect(errors, "siren", identifiers.normalize_siren, data["siren"])
                if data.get("siren")
                else ""
            )
            if typed and "siren" not in errors and typed != derived:
                errors.setdefault("siren", []).append(
                    _("The SIREN must be the first nine digits of the SIRET.")
                )
            data["siren"] = derived
    elif data.get("siren"):
        data["siren"] = _collect(errors, "siren", identifiers.normalize_siren, data["siren"])
    if data.get("vat_number"):
        data["vat_number"] = _collect(errors, "vat_number", identifiers.normalize_vat, data["vat_number"])
        siren_known = data.get("siren") and "siren" not in errors
        if (
            "vat_number" not in errors
            and siren_known
            and not identifiers.vat_matches_siren(data["vat_number"], data["siren"])
        ):
            warnings.append(
                _("The VAT number does not match the SIREN: expected %(vat)s.")
                % {"vat": identifiers.french_vat_for_siren(data["siren"])}
            )
    if data.get("naf_code"):
        data["naf_code"] = _collect(errors, "naf_code", identifiers.normalize_naf, data["naf_code"])
        data["naf_version"] = identifiers.NAF_VERSION
    else:
        data["naf_version"] = ""
    if data.get("naics_code"):
        data["naics_code"] = _collect(errors, "naics_code", identifiers.normalize_naics, data["naics_code"])
    if errors:
        raise ValidationError(errors)
    return data, warnings


def _check_parent(account: Account | None, parent: Account | None) -> None:
    if account is not None and would_make_a_loop(account, parent, "parent"):
        raise ValidationError(
            {"parent": _("This parent company belongs to this account's group: that would make a loop.")}
        )


def _check_siret_is_free(account: Account) -> None:
    """One establishment, one account in a company (the unique constraint is the last word on races)."""
    if account.siret and Account.objects.filter(siret=account.siret).exclude(pk=account.pk).exists():
        raise ValidationError({"siret": _("Another account already has this SIRET.")})


def _refuse_locked_fields(
    role: str | None,
    data: dict[str, Any],
    current: Account | Contact | None,
    model: type = Account,
    *,
    locked: set[str] | None = None,
) -> None:
    """A role may not set or change a sensitive field its company's field policy keeps from it.
    `locked` (the role's locked fields, looked up once) spares a query per record in batches."""
    if role is None:
        return
    if locked is None:
        locked = locked_fields(role, model)
    refused = {
        name
        for name in locked
        if name in data and data[name] != (getattr(current, name) if current is not None else None)
    }
    if refused:
        raise ValidationError({name: _("Your role may not change this field.") for name in sorted(refused)})


def _given(cleaned: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The normalised values of the fields the caller gave: the field rules judge these, so that a
    value typed differently from the stored one ("732 829 320 00074") is no change."""
    return {name: cleaned.get(name, value) for name, value in data.items()}


def _integration(api_key: ApiKey | None) -> str:
    """The integration a caller speaks for: an API key's, never a member's (field rules)."""
    return api_key.integration if api_key is not None else ""


class StaleVersion(ValidationError):
    """Raised when the record changed since the caller read it (`expected_version` is behind): the
    pages show it as any refusal, the API answers 409 Conflict."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=STALE_VERSION)


def _set_history(record: Any, *, actor: User | None, reason: str = "") -> None:
    """Who wrote `record`, and why (the history's change reason), for its next save."""
    record._history_user = actor
    if reason:
        record._change_reason = reason


class PossibleDuplicates(ValidationError):
    """Raised before writing when the record looks like existing ones; the caller shows them and may
    go on by giving a reason, which the history keeps."""

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__(_("This looks like a record that already exists."), code="possible_duplicates")
        self.duplicates = duplicates


@transaction.atomic
def account_create(
    *,
    tenant: Tenant,
    actor: User | None,
    data: dict[str, Any],
    role: str | None = None,
    api_key: ApiKey | None = None,
    head_office: dict[str, Any] | None = None,
    duplicate_reason: str = "",
    reason: str = "",
) -> Outcome:
    """Create an account (and its head office). `role` (the acting member's or API key's) applies the
    field policies; the tenant's field rules apply to every caller, and `api_key` (when the API calls)
    may write the fields synchronised from its integration. Likely duplicates stop the creation unless
    `duplicate_reason` says why to go on. `reason` goes into the history (e.g. the API key that wrote)."""
    _refuse_locked_fields(role, data, None)
    cleaned, warnings = account_normalize(data, tenant=tenant)
    field_rules.check_write(Account, _given(cleaned, data), current=None, integration=_integration(api_key))
    values = {name: cleaned[name] for name in (*ACCOUNT_FIELDS, "naf_version") if name in cleaned}
    values.setdefault("owner", actor)
    account = Account(tenant=tenant, **values)
    _check_parent(None, account.parent)
    _check_siret_is_free(account)
    if not duplicate_reason.strip():
        postal_code = (head_office or {}).get("postal_code", "")
        duplicates = account_duplicates({**cleaned, "postal_code": postal_code})
        if duplicates:
            raise PossibleDuplicates(duplicates)
    _set_history(account, actor=actor, reason=_creation_reason(reason, duplicate_reason))
    account.full_clean(exclude=["tenant"])
    account.save()
    search.index(account)
    if head_office and any(head_office.values()):
        address_save(account=account, kind=Address.Kind.HEAD_OFFICE, data=head_office, actor=actor)
    return Outcome(account, warnings)


def _creation_reason(reason: str, duplicate_reason: str) -> str:
    parts = [reason.strip()]
    if duplicate_reason.strip():
        parts.append(
            _("Created despite likely duplicates: %(reason)s") % {"reason": duplicate_reason.strip()}
        )
    return " · ".join(part for part in parts if part)


@transaction.atomic
def account_update(
    *,
    account: Account,
    actor: User | None,
    data: dict[str, Any],
    expected_version: int | None = None,
    role: str | None = None,
    api_key: ApiKey | None = None,
    reason: str = "",
) -> Outcome:
    """Apply `data` (only the fields it holds). `expected_version` refuses to overwrite a newer edit
    (StaleVersion); `role` applies the field policies, and the field rules apply as in
    `account_create`; `reason` goes into the history."""
    current = Account.objects.select_for_update().get(pk=account.pk)
    _refuse_locked_fields(role, data, current)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this account since you opened it. Reload it to see their changes.")
        )
    merged = {name: getattr(current, name) for name in ACCOUNT_FIELDS} | dict(data)
    names_before = (current.legal_name, current.trade_name)
    cleaned, warnings = account_normalize(merged, tenant=current.tenant)
    field_rules.check_write(
        Account, _given(cleaned, data), current=current, integration=_integration(api_key)
    )
    for name in (*ACCOUNT_FIELDS, "naf_version"):
        if name in cleaned:
            setattr(current, name, cleaned[name])
    _check_parent(current, current.parent)
    _check_siret_is_free(current)
    current.full_clean(exclude=["tenant"])
    territory_apply(current)  # a new segment may move it: in this same save and history row
    current.version = F("version") + 1  # type: ignore[assignment]
    _set_history(current, actor=actor, reason=reason)
    current.save()
    current.refresh_from_db()
    search.index(current)
    if (current.legal_name, current.trade_name) != names_before:
        search.index_many(current.contacts.select_related("account"))  # contacts are found by company name
    return Outcome(current, warnings)


def contact_normalize(data: dict[str, Any], *, tenant: Tenant) -> dict[str, Any]:
    data = dict(data)
    errors: dict[str, list[str]] = {}
    for name in ("first_name", "last_name", "job_title", "department", "team"):
        if data.get(name):
            data[name] = identifiers.normalize_name(data[name])
    for name in ("first_name", "last_name"):
        if not data.get(name):
            errors[name] = [_("This field is required.")]
    for name in ("phone", "mobile"):
        if data.get(name):
            data[name] = _collect(
                errors, name, identifiers.normalize_phone, data[name], default_region=tenant.country
            )
    if data.get("email"):
        data["email"] = _collect(errors, "email", identifiers.normalize_email, data["email"])
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def contact_create(
    *,
    tenant: Tenant,
    actor: User | None,
    data: dict[str, Any],
    duplicate_reason: str = "",
    role: str | None = None,
    api_key: ApiKey | None = None,
    reason: str = "",
) -> Outcome:
    """Create a contact. `role` (the acting member's) applies the field policies; the tenant's field
    rules apply (`api_key` may write the fields synchronised from its integration). Likely duplicates
    (same e-mail or phone, a similar name at the same company) stop the creation unless
    `duplicate_reason` says why to go on; the history keeps the reason."""
    _refuse_locked_fields(role, data, None, Contact)
    cleaned = contact_normalize(data, tenant=tenant)
    field_rules.check_write(Contact, _given(cleaned, data), current=None, integration=_integration(api_key))
    values = {name: cleaned[name] for name in CONTACT_FIELDS if name in cleaned}
    values.setdefault("owner", actor)
    if not duplicate_reason.strip():
        duplicates = contact_duplicates(cleaned)
        if duplicates:
            raise PossibleDuplicates(duplicates)
    contact = Contact(tenant=tenant, **values)
    _set_history(contact, actor=actor, reason=_creation_reason(reason, duplicate_reason))
    contact.full_clean(exclude=["tenant"])
    contact.save()
    search.index(contact)
    return Outcome(contact)


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    actor: User | None,
    data: dict[str, Any],
    expected_version: int | None = None,
    reason: str = "",
    role: str | None = None,
    api_key: ApiKey | None = None,
) -> Outcome:
    """Apply `data` (only the fields it holds), under the tenant's field rules (see `contact_create`)."""
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    _refuse_locked_fields(role, data, current, Contact)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this contact since you opened it. Reload it to see their changes.")
        )
    merged = {name: getattr(current, name) for name in CONTACT_FIELDS} | dict(data)
    cleaned = contact_normalize(merged, tenant=current.tenant)
    field_rules.check_write(
        Contact, _given(cleaned, data), current=current, integration=_integration(api_key)
    )
    for name in CONTACT_FIELDS:
        if name in cleaned:
            setattr(current, name, cleaned[name])
    current.full_clean(exclude=["tenant"])
    current.version = F("version") + 1  # type: ignore[assignment]
    _set_history(current, actor=actor, reason=reason)
    current.save()
    current.refresh_from_db()
    search.index(current)
    return Outcome(current)


# Batches (the import) ------------------------------------------------------------------------------
# The same rules as contact_create and contact_update, for hundreds of rows in a number of queries that
# does not grow with the rows: one lookup per foreign key, one likely-duplicates check, one insert or
# update with its history rows, one search update. A row breaking a rule gets its ValidationError in
# its place in the result and is not written; the others are.

ContactResult = Contact | ValidationError
_CONTACT_RELATIONS = {"account": Account, "owner": User, "manager": Contact}


def _check_relations(
    records: list[tuple[int, Any]], results: list[Any], relations: dict[str, Any] = _CONTACT_RELATIONS
) -> None:
    """What full_clean's foreign-key check does row by row, one query per relation for the batch."""
    for name, model in relations.items():
        wanted = {getattr(record, f"{name}_id") for _index, record in records} - {None}
        if not wanted:
            continue
        found = set(model._default_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        for index, record in records:
            if getattr(record, f"{name}_id") not in found | {None}:
                results[index] = ValidationError({name: _("No such record in this company.")})


def _contact_batch_clean(contact: Contact) -> None:
    # The foreign keys are checked for the whole batch by _check_relations.
    contact.full_clean(exclude=["tenant", *_CONTACT_RELATIONS])


@transaction.atomic
def contact_create_many(
    *,
    tenant: Tenant,
    actor: User | None,
    rows: list[dict[str, Any]],
    role: str | None = None,
    commit: bool = True,
) -> list[ContactResult]:
    """Create a contact per row, as contact_create does (no duplicate reason: a likely duplicate is
    refused). Returns, per row, the new contact or the ValidationError that kept it out; without
    `commit`, checks every rule and writes nothing (the import's dry run)."""
    if not rows:
        return []
    locked = locked_fields(role, Contact) if role else set()
    rules = field_rules.rules(Contact)
    results: list[ContactResult] = []
    built: list[tuple[int, Contact]] = []
    cleaned_rows: list[tuple[int, dict[str, Any]]] = []
    for index, data in enumerate(rows):
        try:  # contact_create's checks, in its order
            _refuse_locked_fields(role, data, None, Contact, locked=locked)
            cleaned = contact_normalize(data, tenant=tenant)
            field_rules.check_write(Contact, _given(cleaned, data), current=None, loaded=rules)
            values = {name: cleaned[name] for name in CONTACT_FIELDS if name in cleaned}
            values.setdefault("owner", actor)
            contact = Contact(tenant=tenant, **values)
            _contact_batch_clean(contact)
        except ValidationError as error:
            results.append(error)
            continue
        results.append(contact)
        built.append((index, contact))
        cleaned_rows.append((index, cleaned))
    _check_relations(built, results)
    checked = [(index, cleaned) for index, cleaned in cleaned_rows if isinstance(results[index], Contact)]
    for (index, _cleaned), reasons in zip(
        checked, contact_duplicate_reasons_many([cleaned for _index, cleaned in checked]), strict=True
    ):
        if reasons:
            results[index] = PossibleDuplicates([Duplicate(None, reasons)])
    new = [result for result in results if isinstance(result, Contact)]
    if new and commit:
        bulk_create_with_history(new, Contact, user=actor)
        search.index_many(new)
    return results


@transaction.atomic
def contact_update_many(
    *,
    actor: User | None,
    changes: list[tuple[Contact, dict[str, Any]]],
    role: str | None = None,
    commit: bool = True,
) -> list[ContactResult]:
    """Apply each `data` to its contact (only the fields it holds), as contact_update does. Returns, per
    change, the updated contact or the ValidationError that left it unchanged; without `commit`,
    checks every rule and writes nothing (the import's dry run)."""
    if not changes:
        return []
    locked = locked_fields(role, Contact) if role else set()
    rules = field_rules.rules(Contact)
    ids = [contact.pk for contact, _data in changes]
    records = Contact.objects.filter(pk__in=ids).select_related("tenant", "account", "owner", "manager")
    locked_records = records.select_for_update(of=("self",)) if commit else records
    current = {contact.pk: contact for contact in locked_records}
    results: list[ContactResult] = []
    built: list[tuple[int, Contact]] = []
    now = timezone.now()
    for index, (contact, data) in enumerate(changes):
        record = current.get(contact.pk)
        if record is None:
            results.append(ValidationError(_("This contact no longer exists.")))
            continue
        before = {name: getattr(record, name) for name in CONTACT_FIELDS}
        try:  # contact_update's checks, in its order, `record` unchanged until they pass
            _refuse_locked_fields(role, data, record, Contact, locked=locked)
            cleaned = contact_normalize(before | dict(data), tenant=record.tenant)
            field_rules.check_write(Contact, _given(cleaned, data), current=record, loaded=rules)
            for name in CONTACT_FIELDS:
                if name in cleaned:
                    setattr(record, name, cleaned[name])
            _contact_batch_clean(record)
        except ValidationError as error:
            for name, value in before.items():  # leave the instance as it was read
                setattr(record, name, value)
            results.append(error)
            continue
        # The row is locked until the batch commits: counting up in Python cannot lose an edit.
        record.version += 1
        record.updated_at = now
        results.append(record)
        built.append((index, record))
    _check_relations(built, results)
    changed = [result for result in results if isinstance(result, Contact)]
    if changed and commit:
        names = [name for name in CONTACT_FIELDS if name not in {"account", "owner", "manager"}]
        names += ["account", "owner", "manager", "version", "updated_at"]
        bulk_update_with_history(changed, Contact, fields=names, user=actor)
        search.index_many(changed)
    return results


AccountResult = Account | ValidationError
_ACCOUNT_RELATIONS = {
    "owner": User, "parent": Account, "partner": Account, "segment": Segment, "territory": Territory,
}  # fmt: skip
# What account_create and account_update write from the caller's data (naf_version follows naf_code).
_ACCOUNT_WRITTEN = (*ACCOUNT_FIELDS, "naf_version")


def _account_batch_clean(account: Account) -> None:
    """full_clean without its queries: the foreign keys given are checked for the whole batch
    (_check_relations; an empty one here, without a query), the SIRET's uniqueness by the batch's own
    check, and an account cannot be its own parent (_check_parent)."""
    given = [name for name in _ACCOUNT_RELATIONS if getattr(account, f"{name}_id") is not None]
    account.full_clean(exclude=["tenant", *given], validate_unique=False, validate_constraints=False)


def _head_office_build(
    account: Account, data: dict[str, Any] | None, current: Address | None
) -> Address | None:
    """The head office `address_save` would write for `data` (None: no address given), checked as it
    checks it, without its queries (the account and its one head office are the batch's business)."""
    if not data or not any(data.values()):
        return None
    values = _address_values(data)
    target = current or Address(tenant=account.tenant, account=account, kind=Address.Kind.HEAD_OFFICE)
    for name, value in values.items():
        setattr(target, name, value)
    target.full_clean(exclude=["tenant", "account"], validate_unique=False, validate_constraints=False)
    return target


def _siret_refusal() -> ValidationError:
    return ValidationError({"siret": _("Another account already has this SIRET.")})


@transaction.atomic
def account_create_many(
    *,
    tenant: Tenant,
    actor: User | None,
    rows: list[dict[str, Any]],
    head_offices: list[dict[str, Any] | None] | None = None,
    role: str | None = None,
    commit: bool = True,
) -> list[AccountResult]:
    """Create an account per row (with the head office at the same position of `head_offices`), as
    account_create does, in a number of queries that does not grow with the rows; no duplicate reason:
    a likely duplicate, of a stored account or of an earlier row, is refused. Returns, per row, the new
    account or the ValidationError that kept it out; without `commit`, checks every rule and writes
    nothing (the import's dry run).

    Decision: the territory the rules give the head office is set in the insert itself, so a new
    account has one history row (account_create saves it, then moves it in a second one)."""
    if not rows:
        return []
    offices = head_offices if head_offices is not None else [None] * len(rows)
    locked = locked_fields(role, Account) if role else set()
    rules = field_rules.rules(Account)
    results: list[AccountResult] = []
    cleaned_rows: dict[int, dict[str, Any]] = {}
    for index, data in enumerate(rows):
        try:  # account_create's checks, in its order
            _refuse_locked_fields(role, data, None, locked=locked)
            cleaned, _warnings = account_normalize(data, tenant=tenant)
            field_rules.check_write(Account, _given(cleaned, data), current=None, loaded=rules)
            values = {name: cleaned[name] for name in _ACCOUNT_WRITTEN if name in cleaned}
            values.setdefault("owner", actor)
            account = Account(tenant=tenant, **values)
        except ValidationError as error:
            results.append(error)
            continue
        results.append(account)
        cleaned_rows[index] = cleaned
    built = [(index, result) for index, result in enumerate(results) if isinstance(result, Account)]
    _check_relations(built, results, _ACCOUNT_RELATIONS)
    checked = [index for index in cleaned_rows if isinstance(results[index], Account)]
    sirets = {cleaned_rows[index]["siret"] for index in checked if cleaned_rows[index].get("siret")}
    taken = set(Account.objects.filter(siret__in=sirets).values_list("siret", flat=True)) if sirets else set()
    duplicates = account_duplicates_many(
        [{**cleaned_rows[index], "postal_code": _postal_code_of(offices[index])} for index in checked]
    )
    territory_rules = list(TerritoryRule.objects.all()) if any(offices) else []
    written: set[int] = set()  # positions in `checked` of the rows that pass
    addresses: list[Address] = []
    accounts = dict(built)
    for position, index in enumerate(checked):
        account = accounts[index]
        try:
            if account.siret and account.siret in taken:
                raise _siret_refusal()
            reasons = duplicates.reasons(position, written=written)
            if reasons:
                raise PossibleDuplicates([Duplicate(None, reasons)])
            _account_batch_clean(account)
            head_office = _head_office_build(account, offices[index], None)
        except ValidationError as error:
            results[index] = error
            continue
        if head_office is not None:
            addresses.append(head_office)
            if not account.territory_set_by_hand:
                account.territory_id = territory_among(
                    territory_rules,
                    country=head_office.country,
                    postal_code=head_office.postal_code,
                    segment_id=account.segment_id,
                )
        if account.siret:
            taken.add(account.siret)
        written.add(position)
    new = [result for result in results if isinstance(result, Account)]
    if new and commit:
        bulk_create_with_history(new, Account, user=actor)
        for address in addresses:
            address.account = address.account  # the account's id, known since the insert
        bulk_create_with_history(addresses, Address, user=actor)
        _set_known_addresses(new, addresses)  # the search entries show the city
        search.index_many(new)
    return results


def _set_known_addresses(accounts: list[Account], addresses: list[Address]) -> None:
    """Give new accounts their `addresses` as a prefetch would, from the addresses just written with
    them (a prefetch builds a queryset per account: a sixth of an import's time)."""
    by_account: dict[int, list[Address]] = {}
    for address in addresses:
        by_account.setdefault(address.account_id, []).append(address)
    for account in accounts:
        known: QuerySet[Address] = QuerySet(Address)
        known._result_cache = by_account.get(account.pk, [])
        known._prefetch_done = True  # type: ignore[attr-defined]
        account._prefetched_objects_cache = {"addresses": known}  # type: ignore[attr-defined]


def _postal_code_of(head_office: dict[str, Any] | None) -> str:
    """The head office's postal code as stored (as given when it is not one: the address check says so)."""
    postal_code = str((head_office or {}).get("postal_code") or "").strip()
    if not postal_code:
        return ""
    try:
        country = identifiers.normalize_country((head_office or {}).get("country") or "FR")
        return str(identifiers.normalize_postal_code(postal_code, country=country))
    except ValidationError:
        return postal_code


@transaction.atomic
def account_update_many(
    *,
    actor: User | None,
    changes: list[tuple[Account, dict[str, Any]]],
    head_offices: list[dict[str, Any] | None] | None = None,
    role: str | None = None,
    commit: bool = True,
) -> list[AccountResult]:
    """Apply each `data` to its account (only the fields it holds), and write the head office at the same
    position of `head_offices` (address_save's rules), as account_update then address_save do, in a
    number of queries that does not grow with the changes. Returns, per change, the updated account or
    the ValidationError that left it unchanged; without `commit`, checks every rule and writes nothing.

    Decision: the territory the rules give the final head office is set in the same update and history
    row (account_update then address_save may write two)."""
    if not changes:
        return []
    offices = head_offices if head_offices is not None else [None] * len(changes)
    locked = locked_fields(role, Account) if role else set()
    rules = field_rules.rules(Account)
    ids = [account.pk for account, _data in changes]
    records = Account.objects.filter(pk__in=ids).select_related("tenant", *_ACCOUNT_RELATIONS)
    current = {
        account.pk: account for account in (records.select_for_update(of=("self",)) if commit else records)
    }
    stored_offices = {
        address.account_id: address
        for address in Address.objects.filter(account_id__in=ids, kind=Address.Kind.HEAD_OFFICE)
    }
    territory_rules = list(TerritoryRule.objects.all())
    results: list[AccountResult] = []
    built: list[tuple[int, Account]] = []
    befores: dict[int, dict[str, Any]] = {}
    for index, (account, data) in enumerate(changes):
        record = current.get(account.pk)
        if record is None:
            results.append(ValidationError(_("This account no longer exists.")))
            continue
        before = {name: getattr(record, name) for name in _ACCOUNT_WRITTEN}
        try:  # account_update's checks, in its order, `record` unchanged until they pass
            _refuse_locked_fields(role, data, record, locked=locked)
            cleaned, _warnings = account_normalize(
                {name: before[name] for name in ACCOUNT_FIELDS} | dict(data), tenant=record.tenant
            )
            field_rules.check_write(Account, _given(cleaned, data), current=record, loaded=rules)
            for name in _ACCOUNT_WRITTEN:
                if name in cleaned:
                    setattr(record, name, cleaned[name])
            if record.parent_id != getattr(before["parent"], "pk", None):
                _check_parent(record, record.parent)  # walks the group: only for a new parent
        except ValidationError as error:
            for name, value in before.items():  # leave the instance as it was read
                setattr(record, name, value)
            results.append(error)
            continue
        results.append(record)
        built.append((index, record))
        befores[index] = before
    _check_relations(built, results, _ACCOUNT_RELATIONS)
    moved_sirets = {
        record.siret for index, record in built if record.siret and record.siret != befores[index]["siret"]
    }
    taken = dict(
        Account.objects.filter(siret__in=moved_sirets).values_list("siret", "pk") if moved_sirets else []
    )
    changed: list[Account] = []
    renamed: list[Account] = []
    new_offices: list[Address] = []
    changed_offices: list[Address] = []
    now = timezone.now()
    for index, record in built:
        if not isinstance(results[index], Account):
            continue
        before = befores[index]
        try:
            if record.siret and taken.get(record.siret, record.pk) != record.pk:
                raise _siret_refusal()
            _account_batch_clean(record)
            stored = stored_offices.get(record.pk)
            head_office = _head_office_build(record, offices[index], stored)
        except ValidationError as error:
            for name, value in before.items():
                setattr(record, name, value)
            results[index] = error
            continue
        if record.siret:
            taken[record.siret] = record.pk
        final_office = head_office or stored
        if not record.territory_set_by_hand:  # territory_apply, then the head office's placement
            record.territory_id = (
                None
                if final_office is None
                else territory_among(
                    territory_rules,
                    country=final_office.country,
                    postal_code=final_office.postal_code,
                    segment_id=record.segment_id,
                )
            )
        if head_office is not None:
            (changed_offices if head_office.pk else new_offices).append(head_office)
        # The row is locked until the batch commits: counting up in Python cannot lose an edit.
        record.version += 1
        record.updated_at = now
        changed.append(record)
        if (record.legal_name, record.trade_name) != (before["legal_name"], before["trade_name"]):
            renamed.append(record)
    if changed and commit:
        names = [*_ACCOUNT_WRITTEN, "version", "updated_at"]
        bulk_update_with_history(changed, Account, fields=names, user=actor)
        bulk_create_with_history(new_offices, Address, user=actor)
        bulk_update_with_history(changed_offices, Address, fields=[*ADDRESS_FIELDS, "kind"], user=actor)
        prefetch_related_objects(changed, "addresses")
        search.index_many(changed)
        if renamed:  # contacts are found by their company's name
            search.index_many(Contact.objects.filter(account__in=renamed).select_related("account"))
    return results


@transaction.atomic
def consent_record(
    *, contact: Contact, purpose: str, status: str, source: str, proof: str = "", actor: User | None
) -> Consent:
    """Record a person's answer for one purpose. The previous answer stays in the consent's history."""
    if purpose not in Consent.Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if status not in Consent.Status.values:
        raise ValidationError({"status": _("Unknown consent status.")})
    if not source.strip():
        raise ValidationError({"source": _("Say where the answer comes from (form, call, event...).")})
    values = {"status": status, "source": source.strip(), "proof": proof, "recorded_at": timezone.now()}
    consent = Consent.objects.select_for_update().filter(contact=contact, purpose=purpose).first()
    if consent is None:
        try:
            # The unique constraint (tenant, contact, purpose) settles two first answers arriving together.
            with transaction.atomic():
                consent = Consent(tenant=contact.tenant, contact=contact, purpose=purpose, **values)
                consent._history_user = actor  # type: ignore[attr-defined]
                consent.save()
                return consent
        except IntegrityError:
            consent = Consent.objects.select_for_update().get(contact=contact, purpose=purpose)
    for name, value in values.items():
        setattr(consent, name, value)
    consent._history_user = actor  # type: ignore[attr-defined]
    consent.save()
    return consent


def contact_may_be_reached(*, contact: Contact, purpose: str) -> bool:
    """The one check every later feature makes before contacting a person for `purpose`."""
    if purpose == Consent.Purpose.PHONE_PROSPECTING and contact.do_not_call:
        return False
    consent = Consent.objects.filter(contact=contact, purpose=purpose).first()
    return consent is not None and consent.allows_contact


ADDRESS_FIELDS = ("label", "line1", "line2", "postal_code", "city", "country")


def _address_values(data: dict[str, Any]) -> dict[str, Any]:
    """An address's fields from `data`, country and postal code normalised (ValidationError if wrong)."""
    values = {name: data[name] for name in ADDRESS_FIELDS if name in data}
    errors: dict[str, list[str]] = {}
    country = _collect(errors, "country", identifiers.normalize_country, values.get("country") or "FR")
    values["country"] = country
    if values.get("postal_code"):
        values["postal_code"] = _collect(
            errors, "postal_code", identifiers.normalize_postal_code, values["postal_code"], country=country
        )
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def address_save(
    *, account: Account, kind: str, data: dict[str, Any], actor: User | None, address: Address | None = None
) -> Address:
    """Create or change an address; a new head office may move the account to another territory."""
    values = _address_values(data)
    if address is None and kind == Address.Kind.HEAD_OFFICE:
        address = Address.objects.filter(account=account, kind=kind).first()
    target = address or Address(tenant=account.tenant, account=account, kind=kind)
    for name, value in values.items():
        setattr(target, name, value)
    target.kind = kind
    target._history_user = actor  # type: ignore[attr-defined]
    target.full_clean(exclude=["tenant"])
    target.save()
    if kind == Address.Kind.HEAD_OFFICE:
        account_place_in_territory(account=account, actor=actor)
    search.index(account)  # found by city and postal code
    return target
