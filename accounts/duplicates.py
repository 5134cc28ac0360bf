"""Likely duplicates, found before a record is written (spec 4.2.1). Accounts: the same SIREN or
SIRET, the same VAT number, the same website domain, or a very similar name in the same postal code.
Contacts: the same e-mail, the same phone (E.164), or a very similar name at the same account.
All of it in the current tenant (the managers and row-level security see to that)."""

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

from accounts.models import Account, Contact
from crm.tenancy import current_tenant

NAME_SIMILARITY = 0.6
LIMIT = 10


@dataclass
class Duplicate:
    record: Any
    reasons: list[str] = field(default_factory=list)


def website_domain(url: str) -> str:
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.removeprefix("www.").lower()


def account_duplicates(data: dict[str, Any], *, exclude_pk: int | None = None) -> list[Duplicate]:
    """Accounts that look like the one described by `data` (already normalised), strongest first."""
    found: dict[int, Duplicate] = {}

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
        add(
            base.filter(Q(website__icontains=f"//{domain}") | Q(website__icontains=f".{domain}")),
            _("same website"),
        )
    name = (data.get("legal_name") or "").strip()
    postal_code = (data.get("postal_code") or "").strip()
    if name and postal_code:
        similar = (
            base.filter(addresses__kind="head_office", addresses__postal_code=postal_code)
            .annotate(
                similarity=TrigramSimilarity(Unaccent(Lower("legal_name")), Unaccent(Lower(Value(name))))  # type: ignore[arg-type]
            )
            .filter(similarity__gte=NAME_SIMILARITY)
            .order_by("-similarity")
        )
        add(similar, _("similar name in the same postal code"))
    return sorted(found.values(), key=lambda item: -len(item.reasons))


def contact_duplicates(data: dict[str, Any], *, exclude_pk: int | None = None) -> list[Duplicate]:
    found: dict[int, Duplicate] = {}

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
            .filter(similarity__gte=NAME_SIMILARITY)
        )
        add(similar, _("similar name at the same company"))
    return sorted(found.values(), key=lambda item: -len(item.reasons))


def contact_duplicate_reasons_many(rows: list[dict[str, Any]]) -> list[list[str]]:
    """For each contact described by a row (already normalised), the reasons it looks like an existing
    one: `contact_duplicates`' rules in at most three queries whatever the number of rows (the import's
    batches). Reasons only: the caller may not be allowed to see the matching contacts."""
    reasons: list[list[str]] = [[] for _row in rows]
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
        for position in _similar_names_at_same_account(named):
            reasons[position].append(_("similar name at the same company"))
    return reasons


def _pk(value: Any) -> int | None:
    return getattr(value, "pk", value) if value is not None else None


def _similar_names_at_same_account(named: list[tuple[int, int, str]]) -> set[int]:
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
        cursor.execute(sql, [*parameters, current_tenant().pk, NAME_SIMILARITY])
        return {position for (position,) in cursor.fetchall()}
