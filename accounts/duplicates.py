"""Likely duplicates, found before a record is written (spec 4.2.1). Accounts: the same SIREN or
SIRET, the same VAT number, the same website domain, or a very similar name in the same postal code.
Contacts: the same e-mail, the same phone (E.164), or a very similar name at the same account.
All of it in the current tenant (the managers and row-level security see to that).

Each check reads an index, so that its cost does not grow with the number of accounts: the SIRET
(unique constraint), the SIREN, the VAT number and the website's domain (a generated column,
`Account.website_domain`) each have a (tenant, value) index; a similar name is looked for only among
the head offices of the same postal code (a partial index on the head offices' postal codes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.contrib.postgres.lookups import Unaccent
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower
from django.utils.translation import gettext as _

from accounts.dedup.rules import Rules, duplicate_rules
from accounts.models import Account, Address, Contact
from crm.tenancy import current_tenant

LIMIT = 10
_REASONS = {
    "siren": lambda: _("same SIREN"),
    "vat_number": lambda: _("same VAT number"),
    "website": lambda: _("same website"),
}


@dataclass
class Duplicate:
    record: Any
    reasons: list[str] = field(default_factory=list)


# The reason labels and the tenant's rule (accounts.dedup.rules) each belongs to.
REASON_RULES = {
    "same SIRET": "siren",
    "same SIREN": "siren",
    "same VAT number": "vat",
    "same website": "website",
    "similar name in the same postal code": "name_postcode",
    "same e-mail": "email",
    "same phone number": "phone",
    "similar name at the same company": "name_account",
}


def _rules() -> Rules:
    return duplicate_rules()


def _off(rules: Rules) -> set[str]:
    """The reasons (in the active language) of the rules the tenant turned off."""
    return {_(label) for label, code in REASON_RULES.items() if not rules.on(code)}


def _keep(found: list[Duplicate], rules: Rules) -> list[Duplicate]:
    off = _off(rules)
    for item in found:
        item.reasons = [reason for reason in item.reasons if reason not in off]
    return [item for item in found if item.reasons]


def website_domain(url: str) -> str:
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.removeprefix("www.").lower()


def account_duplicates(data: dict[str, Any], *, exclude_pk: int | None = None) -> list[Duplicate]:
    """Accounts that look like the one described by `data` (already normalised), strongest first."""
    found: dict[int, Duplicate] = {}
    rules = _rules()

    def add(queryset: Any, reason: str) -> None:
        for account in queryset.exclude(pk=exclude_pk)[:LIMIT]:
            found.setdefault(account.pk, Duplicate(account)).reasons.append(reason)

    base = Account.objects.all()
    if data.get("siret"):
        add(base.filter(siret=data["siret"]), _("same SIRET"))
    if data.get("siren"):
        add(base.filter(siren=data["siren"]).exclude(siret=data.get("siret") or None), _("same SIREN"))
    if data.get("vat_number"):
        add(base.filter(vat_number=data["vat_number"]), _("same VAT number"))
    domain = website_domain(data.get("website") or "")
    if domain:
        add(base.filter(website_domain=domain), _("same website"))
    name = (data.get("legal_name") or "").strip()
    postal_code = (data.get("postal_code") or "").strip()
    if name and postal_code:
        # The head offices of the postal code first (an index), then the names of those accounts only.
        head_offices = Address.objects.filter(kind=Address.Kind.HEAD_OFFICE, postal_code=postal_code)
        similar = (
            base.filter(pk__in=head_offices.values("account_id"))
            .annotate(
                similarity=TrigramSimilarity(Unaccent(Lower("legal_name")), Unaccent(Lower(Value(name))))  # type: ignore[arg-type]
            )
            .filter(similarity__gte=rules.name_similarity)
            .order_by("-similarity")
        )
        add(similar, _("similar name in the same postal code"))
    return sorted(_keep(list(found.values()), rules), key=lambda item: -len(item.reasons))


def account_duplicates_many(rows: list[dict[str, Any]]) -> BatchDuplicates:
    """`account_duplicates`' rules for a batch of accounts about to be created (rows already
    normalised, with their head office's "postal_code"), in five queries whatever the number of rows:
    the reasons each row looks like an account already stored, and like an earlier row of the batch.
    Reasons only: the caller may not be allowed to see the matching accounts."""
    found = BatchDuplicates(existing=[[] for _row in rows], earlier=[[] for _row in rows])
    rules = _rules()

    def values(name: str) -> set[str]:
        return {row[name] for row in rows if row.get(name)}

    def mark(name: str, stored: set[str], reason: str) -> None:
        for row, reasons in zip(rows, found.existing, strict=True):
            if row.get(name) and row[name] in stored:
                reasons.append(reason)

    base = Account.objects.all()
    if sirets := values("siret"):
        mark("siret", set(base.filter(siret__in=sirets).values_list("siret", flat=True)), _("same SIRET"))
    if sirens := values("siren"):
        establishments: dict[str, set[str]] = {}
        for siren, siret in base.filter(siren__in=sirens).values_list("siren", "siret").distinct():
            establishments.setdefault(siren, set()).add(siret)
        for row, reasons in zip(rows, found.existing, strict=True):
            # The same company, another establishment than the row's (any, when the row has no SIRET).
            if row.get("siren") and establishments.get(row["siren"], set()) - {row.get("siret") or None}:
                reasons.append(_("same SIREN"))
    if vat_numbers := values("vat_number"):
        stored = set(base.filter(vat_number__in=vat_numbers).values_list("vat_number", flat=True))
        mark("vat_number", stored, _("same VAT number"))
    domains = [website_domain(row.get("website") or "") for row in rows]
    if any(domains):
        stored = set(
            base.filter(website_domain__in=set(domains) - {""}).values_list("website_domain", flat=True)
        )
        for domain, reasons in zip(domains, found.existing, strict=True):
            if domain and domain in stored:
                reasons.append(_("same website"))
    named: list[tuple[int, str, str]] = []
    for position, row in enumerate(rows):
        name = (row.get("legal_name") or "").strip()
        postal_code = (row.get("postal_code") or "").strip()
        if name and postal_code:
            named.append((position, postal_code, name))
    similar = _("similar name in the same postal code")
    for position, earlier in _similar_names_in_same_postal_code(named, rules.name_similarity):
        if earlier is None:
            found.existing[position].append(similar)
        else:
            found.earlier[position].append((earlier, similar))
    # Within the batch: the same values as an earlier row.
    earlier_rows: dict[tuple[str, str], list[int]] = {}
    for position, row in enumerate(rows):
        keys = [("siren", row.get("siren") or ""), ("vat_number", row.get("vat_number") or "")]
        keys.append(("website", domains[position]))
        for name, value in keys:
            if not value:
                continue
            for earlier in earlier_rows.get((name, value), []):
                if name == "siren" and row.get("siret") and rows[earlier].get("siret") == row["siret"]:
                    continue  # the same establishment: the SIRET check's business
                found.earlier[position].append((earlier, _REASONS[name]()))
            earlier_rows.setdefault((name, value), []).append(position)
    off = _off(rules)
    found.existing = [[reason for reason in reasons if reason not in off] for reasons in found.existing]
    found.earlier = [[pair for pair in pairs if pair[1] not in off] for pairs in found.earlier]
    return found


@dataclass
class BatchDuplicates:
    """Per row of a batch: the reasons it looks like a stored account, and (earlier row, reason) pairs."""

    existing: list[list[str]]
    earlier: list[list[tuple[int, str]]]

    def reasons(self, position: int, *, written: set[int]) -> list[str]:
        """The row's reasons, counting only the earlier rows of the batch that are written."""
        reasons = list(self.existing[position])
        reasons += [reason for earlier, reason in self.earlier[position] if earlier in written]
        return sorted(set(reasons))


def _similar_names_in_same_postal_code(
    named: list[tuple[int, str, str]], similarity: float
) -> set[tuple[int, int | None]]:
    """(position, None) for a row whose name is very similar to a stored account's with its head office
    in the same postal code, (position, earlier position) for one similar to an earlier row's: one
    query, the rows as VALUES, the head offices found by their postal code's index."""
    if not named:
        return set()
    values = ", ".join(["(%s::int, %s::text, %s::text)"] * len(named))
    parameters: list[Any] = [item for row in named for item in row]
    tenant_id = current_tenant().pk
    # Each row reads the head offices of its postal code through their index, never a whole table:
    # the subquery is kept one (OFFSET 0), and the tenant is a parameter the planner does not look up
    # in its statistics, which say nothing of a tenant importing its first accounts until the next
    # ANALYZE: for it, the planner would otherwise walk every address of the tenant for each row. The
    # ORDER BY, free with the postal index, tips a tie with the one-head-office index (no statistics
    # at all) its way.
    sql = f"""
        WITH batch(position, postal_code, name) AS (VALUES {values})
        SELECT batch.position, NULL::int
        FROM batch
        CROSS JOIN LATERAL (
            SELECT account.legal_name
            FROM accounts_address head_office
            JOIN accounts_account account
              ON account.tenant_id = (SELECT %s::bigint) AND account.id = head_office.account_id
            WHERE head_office.tenant_id = (SELECT %s::bigint) AND head_office.kind = 'head_office'
              AND head_office.postal_code = batch.postal_code
            ORDER BY head_office.postal_code, head_office.account_id  -- the postal index's order
            OFFSET 0
        ) same_place
        WHERE SIMILARITY(UNACCENT(LOWER(same_place.legal_name)), UNACCENT(LOWER(batch.name))) >= %s
        UNION
        SELECT later.position, earlier.position
        FROM batch later
        JOIN batch earlier ON earlier.postal_code = later.postal_code AND earlier.position < later.position
        WHERE SIMILARITY(UNACCENT(LOWER(earlier.name)), UNACCENT(LOWER(later.name))) >= %s
    """  # noqa: S608 -- only placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [*parameters, tenant_id, tenant_id, similarity, similarity])
        return {(position, earlier) for position, earlier in cursor.fetchall()}


def contact_duplicates(data: dict[str, Any], *, exclude_pk: int | None = None) -> list[Duplicate]:
    found: dict[int, Duplicate] = {}
    rules = _rules()

    def add(queryset: Any, reason: str) -> None:
        for contact in queryset.exclude(pk=exclude_pk).select_related("account")[:LIMIT]:
            found.setdefault(contact.pk, Duplicate(contact)).reasons.append(reason)

    base = Contact.objects.all()
    if data.get("email"):
        add(base.filter(email=data["email"]), _("same e-mail"))
    phones = [data[name] for name in ("phone", "mobile") if data.get(name)]
    if phones:
        add(base.filter(Q(phone__in=phones) | Q(mobile__in=phones)), _("same phone number"))
    account = data.get("account")
    full_name = f"{data.get('first_name', '')} {data.get('last_name', '')}".strip()
    if account is not None and full_name:
        similar = (
            base.filter(account=account)
            .annotate(
                similarity=TrigramSimilarity(
                    Unaccent(Lower(Concat("first_name", Value(" "), "last_name"))),
                    Unaccent(Lower(Value(full_name))),  # type: ignore[arg-type]
                )
            )
            .filter(similarity__gte=rules.name_similarity)
        )
        add(similar, _("similar name at the same company"))
    return sorted(_keep(list(found.values()), rules), key=lambda item: -len(item.reasons))


def contact_duplicate_reasons_many(rows: list[dict[str, Any]]) -> list[list[str]]:
    """For each contact described by a row (already normalised), the reasons it looks like an existing
    one: `contact_duplicates`' rules in at most three queries whatever the number of rows (the import's
    batches). Reasons only: the caller may not be allowed to see the matching contacts."""
    reasons: list[list[str]] = [[] for _row in rows]
    rules = _rules()
    emails = {row["email"] for row in rows if row.get("email")}
    if emails:
        taken = set(Contact.objects.filter(email__in=emails).values_list("email", flat=True))
        for row, found in zip(rows, reasons, strict=True):
            if row.get("email") in taken:
                found.append(_("same e-mail"))
    phones = {row[name] for row in rows for name in ("phone", "mobile") if row.get(name)}
    if phones:
        known: set[str] = set()
        for phone, mobile in Contact.objects.filter(Q(phone__in=phones) | Q(mobile__in=phones)).values_list(
            "phone", "mobile"
        ):
            known.update((phone, mobile))
        for row, found in zip(rows, reasons, strict=True):
            if any(row.get(name) and row[name] in known for name in ("phone", "mobile")):
                found.append(_("same phone number"))
    named: list[tuple[int, int, str]] = []
    for position, row in enumerate(rows):
        account_id = _pk(row.get("account"))
        full_name = f"{row.get('first_name', '')} {row.get('last_name', '')}".strip()
        if account_id and full_name:
            named.append((position, account_id, full_name))
    if named:
        for position in _similar_names_at_same_account(named, rules.name_similarity):
            reasons[position].append(_("similar name at the same company"))
    off = _off(rules)
    return [[reason for reason in found if reason not in off] for found in reasons]


def _pk(value: Any) -> int | None:
    return getattr(value, "pk", value) if value is not None else None


def _similar_names_at_same_account(named: list[tuple[int, int, str]], similarity: float) -> set[int]:
    """The positions whose name is very similar to a contact's at the same account: one query joining
    the rows (as VALUES) to the contacts, with the similarity `contact_duplicates` uses."""
    values = ", ".join(["(%s, %s::bigint, %s)"] * len(named))
    parameters: list[Any] = [item for row in named for item in row]
    sql = f"""
        SELECT DISTINCT row.position
        FROM (VALUES {values}) AS row(position, account_id, full_name)
        JOIN accounts_contact contact
          ON contact.tenant_id = %s AND contact.account_id = row.account_id
        WHERE SIMILARITY(
            UNACCENT(LOWER(contact.first_name || ' ' || contact.last_name)),
            UNACCENT(LOWER(row.full_name))
        ) >= %s
    """  # noqa: S608 -- only placeholders are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [*parameters, current_tenant().pk, similarity])
        return {position for (position,) in cursor.fetchall()}
