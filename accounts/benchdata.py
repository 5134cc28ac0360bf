"""Benchmark accounts, head offices, contacts, consents, their history and their search entries.

Companies are French: a valid SIREN and SIRET (Luhn) and the VAT number derived from the SIREN, a NAF
code from the official list the forms validate against (accounts/data/naf_rev2.csv), a legal form and
bands from the model's choices, a head office in a real town. About 1 in 200 accounts is a near
duplicate of an earlier one (same SIREN and VAT number, another establishment, same website, the name
written differently) so the duplicate scan has work; some are subsidiaries of a group (up to three
levels), some point at a partner. In the main tenant an account lies in the micro-secteur of its
head office's postal code (a TerritoryRule per micro-secteur says so) and is owned by a rep of it.

Rows are generated per chunk of accounts with their contacts, then copied table by table, so memory
stays flat whatever the size. The search entries are built by `search_documents`, which mirrors
accounts.search (`account_document`, `contact_document`) for the rows written here; a test compares
them with the app's own reindex.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache, partial
from itertools import permutations
from typing import Any

from accounts.models import Account, Address, Consent, Contact, Segment, TerritoryRule
from accounts.normalisation.naf import NAF_VERSION, _naf_labels
from accounts.search import ACCOUNT, CONTACT
from crm.benchdata import BackgroundCopy, BenchContext, Generator, HistoryRows, copy_columns, register
from crm.benchdata.france import (
    ACTIVITIES,
    DEPARTEMENTS,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    JOB_TITLES,
    LAST_NAMES,
    NAME_PREFIXES,
    PLACE_WORDS,
    PRODUCTS,
    STREETS,
    TOPICS,
    Town,
)
from crm.benchdata.kernel import BenchTenant

CHUNK = 20_000  # accounts per round of COPY

ACCOUNT_COLUMNS = [
    "id", "tenant_id", "legal_name", "trade_name", "legal_form", "siren", "siret", "vat_number", "naf_code",
    "naf_version", "naics_code", "website", "account_type", "revenue_band", "headcount_band", "segment_id",
    "territory_id", "territory_set_by_hand", "origin", "owner_id", "partner_id", "parent_id", "currency",
    "customer_revenue", "estimated_potential", "last_purchase_date", "relationship_status_override",
    "created_at", "updated_at", "version", "last_contacted_at",
]  # fmt: skip
ADDRESS_COLUMNS = [
    "id", "tenant_id", "account_id", "kind", "label", "line1", "line2", "postal_code", "city", "country",
]  # fmt: skip
CONTACT_COLUMNS = [
    "id", "tenant_id", "salutation", "first_name", "last_name", "job_title", "department", "team", "phone",
    "mobile", "email", "language", "account_id", "manager_id", "owner_id", "topics", "products_of_interest",
    "preferred_channels", "contact_frequency", "relationship_status", "do_not_call", "created_at",
    "last_contacted_at", "updated_at", "version",
]  # fmt: skip
CONSENT_COLUMNS = ["id", "tenant_id", "contact_id", "purpose", "status", "recorded_at", "source", "proof"]
SEARCH_COLUMNS = ["tenant_id", "object_type", "object_id", "title", "subtitle", "text"]

COLUMN = {column: index for index, column in enumerate(ACCOUNT_COLUMNS)}  # position in an account row


def _weighted(pairs: Sequence[tuple[Any, int]]) -> list[Any]:
    """A list to `rng.choice` from, each value repeated by its weight (faster than `choices`)."""
    return [value for value, weight in pairs for _ in range(weight)]


LEGAL_FORMS = _weighted(
    [("SAS", 30), ("SARL", 25), ("SASU", 10), ("EURL", 8), ("SA", 7), ("SCI", 3), ("SNC", 2), ("SCOP", 1),
     ("SELARL", 2), ("SELAS", 1), ("GIE", 1), ("EI", 3), ("association", 3), ("auto_entrepreneur", 3),
     ("public", 1)]
)  # fmt: skip
TYPES = _weighted([("prospect", 55), ("customer", 35), ("partner", 3), ("supplier", 7)])
REVENUE = _weighted([("", 20), ("lt2m", 40), ("2m-10m", 20), ("10m-50m", 12), ("50m-250m", 6), ("gt250m", 2)])
HEADCOUNT = _weighted([("", 20), ("1-9", 40), ("10-49", 22), ("50-249", 12), ("250-4999", 5), ("5000+", 1)])
ORIGINS = ["", *Account.Origin.values]
CHANNELS = Contact.Channel.values
FREQUENCIES = ["", *Contact.Frequency.values]
CONTACT_STATUSES = _weighted(
    [("cold_lead", 40), ("hot_lead", 15), ("customer", 30), ("former_customer", 10), ("ambassador", 5)]
)
PURPOSES = Consent.Purpose.values
CONSENT_STATUSES = _weighted([("granted", 60), ("refused", 25), ("withdrawn", 15)])
CONSENT_SOURCES = (
    "Formulaire web",
    "Salon professionnel",
    "Appel téléphonique",
    "Import fichier",
    "Rendez-vous",
)


def _subsets(values: Sequence[str], sizes: int) -> list[list[list[str]]]:
    """For each size below `sizes`, every choice of that many values (a faster `rng.sample`)."""
    return [[list(combo) for combo in permutations(values, size)] for size in range(sizes)]


TOPIC_SETS = _subsets(TOPICS, 3)
PRODUCT_SETS = _subsets(PRODUCTS, 2)
CHANNEL_SETS = _subsets(CHANNELS, 3)
SEGMENTS_MAIN = ("PME", "ETI", "Grands comptes", "Secteur public")
SEGMENTS_SMALL = ("PME", "ETI", "Grands comptes")


def _towns() -> list[Town]:
    return [town for d in DEPARTEMENTS for town in d.towns for _ in range(d.weight * 4 // len(d.towns) or 1)]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@lru_cache(maxsize=300_000)  # names repeat a lot: "marie.martin", "transports-martin"
def _domain_part(text: str) -> str:
    out = []
    for char in _ascii(text).lower():
        out.append(char if char.isalnum() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


def luhn_check_digit(body: str) -> str:
    """The digit that, appended to `body`, makes it pass the Luhn check (SIREN, SIRET)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = (ord(char) - 48) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def french_vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def national_digits(e164: str) -> str:
    """ "+33612345678" -> "0612345678", as accounts.search.phone_forms gives for a French number."""
    return "0" + e164[3:]


def _join(parts: Sequence[str], separator: str = " ") -> str:
    return separator.join(part for part in parts if part)


def account_search_row(
    tenant_id: int, row: Sequence[Any], city: str, postal_code: str
) -> tuple[int, str, int, str, str, str]:
    """accounts.search.account_document for an account with one address (its head office)."""
    legal, trade, siren = row[COLUMN["legal_name"]], row[COLUMN["trade_name"]], row[COLUMN["siren"]]
    subtitle = _join(
        [legal if trade and trade != legal else "", f"{siren[0:3]} {siren[3:6]} {siren[6:9]}", city], " · "
    )
    text = _join([legal, trade, siren, row[COLUMN["siret"]], row[COLUMN["vat_number"]], city, postal_code])
    return (tenant_id, ACCOUNT, row[0], trade or legal, subtitle, text)


def contact_search_row(
    tenant_id: int, contact_id: int, first: str, last: str, job: str, email: str, phone: str, mobile: str,
    company: str, legal_name: str,
) -> tuple[int, str, int, str, str, str]:  # fmt: skip
    """accounts.search.contact_document for a contact with French (or no) numbers."""
    subtitle = _join([job, company], " · ") or email
    phones = [phone, national_digits(phone)] if phone else []
    mobiles = [mobile, national_digits(mobile)] if mobile else []
    text = _join(
        [first, last, email, *phones, *mobiles, company, legal_name if legal_name != company else ""]
    )
    return (tenant_id, CONTACT, contact_id, f"{first} {last}".strip(), subtitle, text)


class TenantAccounts:
    """The accounts of one tenant and everything that hangs off them."""

    def __init__(
        self, ctx: BenchContext, tenant: BenchTenant, accounts: int, contacts: int, skewed: int
    ) -> None:
        self.ctx = ctx
        self.tenant = tenant
        self.rng = ctx.rng(f"accounts:{tenant.slug}")
        self.accounts = accounts
        self.contacts = contacts
        self.skewed = skewed
        self.towns = _towns()
        self.naf_codes = sorted(_naf_labels(NAF_VERSION))
        known = set(self.naf_codes)
        self.activities = [(word, [c for c in codes if c in known]) for word, codes in ACTIVITIES]
        self.activities = [(word, codes) for word, codes in self.activities if codes]
        self.domains: Counter[str] = Counter()
        self.siren_start = self.rng.randrange(90_000_000)
        self.heads: list[int] = []  # group heads (level 1), then subsidiaries that have their own (level 2)
        self.level2: list[int] = []
        self.partners: list[int] = []
        self.recent: list[tuple[str, str, str, str]] = []  # (siren, legal name, website, email domain)
        self.account_history = HistoryRows(Account, ACCOUNT_COLUMNS)
        self.address_history = HistoryRows(Address, ADDRESS_COLUMNS)
        self.contact_history = HistoryRows(Contact, CONTACT_COLUMNS)
        self.consent_history = HistoryRows(Consent, CONSENT_COLUMNS)

    # Reference rows ----------------------------------------------------------------------------------

    def segments(self) -> list[int]:
        names = SEGMENTS_MAIN if self.tenant.is_main else SEGMENTS_SMALL
        rows = [
            (self.ctx.next_id("accounts_segment"), self.tenant.id, name, position)
            for position, name in enumerate(names)
        ]
        self.ctx.copy(
            "accounts_segment", copy_columns(Segment, ["id", "tenant_id", "name", "position"]), rows
        )
        return [row[0] for row in rows]

    def territory_rules(self, micro: dict[str, tuple[int, list[int]]]) -> None:
        rows = [
            (self.ctx.next_id("accounts_territoryrule"), self.tenant.id, territory_id, "FR", prefix, None)
            for prefix, (territory_id, _reps) in micro.items()
        ]
        columns = ["id", "tenant_id", "territory_id", "country", "postal_code_prefix", "segment_id"]
        self.ctx.copy("accounts_territoryrule", copy_columns(TerritoryRule, columns), rows)
        # TerritoryRule history: one creation row each, by the tenant's administrator.
        history = HistoryRows(TerritoryRule, columns)
        admin = self.tenant.members[0].user_id
        self.ctx.copy(
            history.table,
            history.columns,
            [
                history.row(
                    row,
                    self.ctx.next_id(history.table, "history_id"),
                    self.ctx.now - timedelta(days=1000),
                    "+",
                    admin,
                )
                for row in rows
            ],
        )

    # Accounts ----------------------------------------------------------------------------------------

    def contact_counts(self) -> list[int]:
        counts = [0] * self.accounts
        counts[0] = self.skewed
        rest = self.contacts - self.skewed
        randrange = self.rng.randrange
        for _ in range(rest):
            counts[1 + randrange(self.accounts - 1)] += 1
        return counts

    def name(self) -> tuple[str, str, str]:
        """(legal name, trade name, NAF code)."""
        rng = self.rng
        last = rng.choice(LAST_NAMES)
        if rng.random() < 0.8:
            word, codes = rng.choice(self.activities)
            naf = rng.choice(codes)
        else:
            word, naf = (
                rng.choice(("Services", "Industries", "Solutions", "Partenaires")),
                rng.choice(self.naf_codes),
            )
        pattern = rng.randrange(6)
        if pattern == 0:
            legal = f"{word} {last}"
        elif pattern == 1:
            legal = f"{rng.choice(NAME_PREFIXES)} {last}".strip()
        elif pattern == 2:
            legal = f"{word} {rng.choice(PLACE_WORDS)}"
        elif pattern == 3:
            legal = f"{last} et Fils" if rng.random() < 0.5 else f"{last} & {rng.choice(LAST_NAMES)}"
        elif pattern == 4:
            legal = f"{word} {last} {rng.choice(PLACE_WORDS)}"
        else:
            legal = f"{rng.choice(NAME_PREFIXES)} {word} {rng.choice(PLACE_WORDS)}".strip()
        trade = ""
        if rng.random() < 0.25:
            initials = "".join(part[0] for part in legal.split() if part[0].isupper())
            trade = initials if len(initials) >= 2 else f"{last} {word}"
        return legal, trade, naf

    def domain(self, name: str) -> str:
        base = _domain_part(name) or "entreprise"
        self.domains[base] += 1
        seen = self.domains[base]
        return f"{base}.fr" if seen == 1 else f"{base}-{seen}.fr"

    def generate(self, segments: list[int], micro: dict[str, tuple[int, list[int]]] | None) -> None:
        ctx, tenant = self.ctx, self.tenant
        counts = self.contact_counts()
        owners_any = [m.user_id for m in tenant.members]
        account_ids = ctx.ids("accounts_account", self.accounts)
        self.contact_ids = iter(ctx.ids("accounts_contact", self.contacts))
        # While PostgreSQL takes in one chunk, the next one is generated (see BackgroundCopy).
        with BackgroundCopy() as background:
            for start in range(0, self.accounts, CHUNK):
                chunk = Chunk()
                for index in range(start, min(start + CHUNK, self.accounts)):
                    self.account(chunk, index, account_ids[index], counts[index], segments, micro, owners_any)
                background.submit(partial(chunk.write, ctx, self))

    def account(
        self, chunk: Chunk, index: int, account_id: int, contacts: int, segments: list[int],
        micro: dict[str, tuple[int, list[int]]] | None, owners_any: list[int],
    ) -> None:  # fmt: skip
        ctx, rng, tenant = self.ctx, self.rng, self.tenant
        town = rng.choice(self.towns)
        # A fifth in the town itself, the rest around it: France has some 6,000 postal codes, and a
        # data set of 222 would crowd every postal code with thousands of companies (the duplicate
        # scan compares names within a postal code). The micro-secteur (3 first digits) is the town's.
        postal_code = (
            town.postal_code if rng.random() < 0.2 else f"{town.postal_code[:3]}{rng.randrange(100):02d}"
        )
        if micro is not None:
            territory_id, reps = micro[town.postal_code[:3]]
            owner = rng.choice(reps)
        else:
            territory_id, owner = None, rng.choice(owners_any)
        legal, trade, naf = self.name()
        duplicate_of = None
        if self.recent and rng.random() < 0.005:
            # Each original is duplicated once at most: its SIRETs (establishment 1 and 2) stay unique.
            duplicate_of = self.recent.pop(rng.randrange(len(self.recent)))
        if duplicate_of:
            siren, original_name, website, _original_domain = duplicate_of
            legal = _near_name(rng, original_name)
            email_domain = self.domain(legal)  # its people have addresses of their own
            trade = ""
            establishment = 2
        else:
            body = f"{10_000_000 + (self.siren_start + index * 48_271_123) % 90_000_000:08d}"
            siren = body + luhn_check_digit(body)
            email_domain = self.domain(legal)
            website = f"https://www.{email_domain}" if rng.random() < 0.85 else ""
            establishment = 1
        nic = f"{establishment:04d}"
        siret = f"{siren}{nic}" + luhn_check_digit(f"{siren}{nic}")
        account_type = rng.choice(TYPES)
        parent = None
        roll = rng.random()
        if roll < 0.01 and self.level2:
            parent = rng.choice(self.level2[-500:])
        elif roll < 0.04 and self.heads:
            parent = rng.choice(self.heads[-2000:])
            if rng.random() < 0.2:
                self.level2.append(account_id)
        elif roll < 0.06:
            self.heads.append(account_id)
        partner = rng.choice(self.partners[-500:]) if self.partners and rng.random() < 0.02 else None
        if account_type == "partner":
            self.partners.append(account_id)
        created = ctx.timestamp(rng)
        customer = account_type == "customer"
        revenue = Decimal(rng.randrange(5_000, 5_000_000)) if customer else None
        potential = Decimal(rng.randrange(10_000, 2_000_000)) if rng.random() < 0.6 else None
        last_purchase = (ctx.now - timedelta(days=rng.randrange(1, 1100))).date() if customer else None
        modified = ctx.timestamp(rng, after=created) if rng.random() < 0.2 else None
        row = [
            account_id, tenant.id, legal, trade, rng.choice(LEGAL_FORMS), siren, siret, french_vat(siren),
            naf,
            NAF_VERSION, "", website, account_type, rng.choice(REVENUE), rng.choice(HEADCOUNT),
            rng.choice(segments) if rng.random() < 0.9 else None, territory_id, False, rng.choice(ORIGINS),
            owner, partner, parent, "EUR", revenue, potential, last_purchase,
            "at_risk" if rng.random() < 0.02 else "", created, modified or created, 2 if modified else 1,
            None,  # last contact: the activities generator sets it from the account's activities
        ]  # fmt: skip
        chunk.accounts.append(row)
        if modified:
            first = list(row)
            first[COLUMN["version"]] = 1
            chunk.account_history.append(self.account_history.row(first, 0, created, "+", owner))
            chunk.account_history.append(self.account_history.row(row, 0, modified, "~", owner))
        else:
            chunk.account_history.append(self.account_history.row(row, 0, created, "+", owner))
        address = (
            0, tenant.id, account_id, "head_office", "Siège social",
            f"{rng.randrange(1, 180)} {rng.choice(STREETS)}",
            "", postal_code, town.name, "FR",
        )  # fmt: skip
        chunk.addresses.append((address, created, owner))
        chunk.search.append(account_search_row(tenant.id, row, town.name, postal_code))
        if not duplicate_of:
            self.recent.append((siren, legal, website, email_domain))
            if len(self.recent) > 1000:
                self.recent = self.recent[-500:]
        company = trade or legal
        used: set[str] = set()
        for _ in range(contacts):
            self.contact(chunk, account_id, owner, created, company, legal, email_domain, used)

    def contact(
        self, chunk: Chunk, account_id: int, owner: int, account_created: datetime, company: str, legal: str,
        email_domain: str, used: set[str],
    ) -> None:  # fmt: skip
        ctx, rng, tenant = self.ctx, self.rng, self.tenant
        female = rng.random() < 0.5
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        local = (
            _domain_part(f"{first}.{last}").replace("-", ".")
            if rng.random() < 0.9
            else _domain_part(f"{first[0]}{last}")
        )
        if local in used:
            n = 2
            while f"{local}{n}" in used:
                n += 1
            local = f"{local}{n}"
        used.add(local)
        email = f"{local}@{email_domain}" if rng.random() < 0.95 else ""
        phone = f"+33{rng.randrange(1, 6)}{rng.randrange(10**8):08d}" if rng.random() < 0.7 else ""
        mobile = f"+33{rng.choice('67')}{rng.randrange(10**8):08d}" if rng.random() < 0.6 else ""
        job, department = rng.choice(JOB_TITLES)
        created = ctx.timestamp(rng, after=account_created)
        modified = ctx.timestamp(rng, after=created) if rng.random() < 0.1 else None
        contact_id = next(self.contact_ids)
        row = [
            contact_id, tenant.id, "mme" if female else "m", first, last, job, department, "", phone, mobile,
            email,
            "fr" if rng.random() < 0.92 else "en", account_id, None, owner,
            rng.choice(TOPIC_SETS[rng.randrange(3)]), rng.choice(PRODUCT_SETS[rng.randrange(2)]),
            rng.choice(CHANNEL_SETS[rng.randrange(3)]), rng.choice(FREQUENCIES), rng.choice(CONTACT_STATUSES),
            rng.random() < 0.08, created, ctx.timestamp(rng, after=created) if rng.random() < 0.4 else None,
            modified or created, 2 if modified else 1,
        ]  # fmt: skip
        chunk.contacts.append(row)
        if modified:
            first_version = list(row)
            first_version[-1] = 1
            chunk.contact_history.append(self.contact_history.row(first_version, 0, created, "+", owner))
            chunk.contact_history.append(self.contact_history.row(row, 0, modified, "~", owner))
        else:
            chunk.contact_history.append(self.contact_history.row(row, 0, created, "+", owner))
        chunk.search.append(
            contact_search_row(tenant.id, contact_id, first, last, job, email, phone, mobile, company, legal)
        )
        if rng.random() < 0.5:
            for purpose in rng.sample(PURPOSES, 1 + rng.randrange(3)):
                recorded = ctx.timestamp(rng, after=created)
                status = rng.choice(CONSENT_STATUSES)
                proof = f"formulaire #{rng.randrange(10**6)}" if rng.random() < 0.5 else ""
                consent = (
                    0,
                    tenant.id,
                    contact_id,
                    purpose,
                    status,
                    recorded,
                    rng.choice(CONSENT_SOURCES),
                    proof,
                )
                chunk.consents.append((consent, recorded, owner))


def _near_name(rng: random.Random, name: str) -> str:
    """The same company written differently: upper case, without accents, with a legal form, ..."""
    variant = rng.randrange(4)
    if variant == 0:
        return name.upper()
    if variant == 1:
        return _ascii(name)
    if variant == 2:
        return f"{name} {rng.choice(('SAS', 'SARL', 'SA'))}"
    return name.replace(" et ", " & ") if " et " in name else f"Ets {name}"


class Chunk:
    """Rows of one chunk of accounts, copied table by table when full."""

    def __init__(self) -> None:
        self.accounts: list[list[Any]] = []
        self.account_history: list[tuple[Any, ...]] = []
        self.addresses: list[tuple[tuple[Any, ...], datetime, int]] = []
        self.contacts: list[list[Any]] = []
        self.contact_history: list[tuple[Any, ...]] = []
        self.consents: list[tuple[tuple[Any, ...], datetime, int]] = []
        self.search: list[tuple[Any, ...]] = []

    def write(self, ctx: BenchContext, owner: TenantAccounts) -> None:
        ctx.copy("accounts_account", ACCOUNT_COLUMNS, self.accounts)
        ctx.copy("accounts_contact", CONTACT_COLUMNS, self.contacts)
        _copy_with_history(ctx, "accounts_address", ADDRESS_COLUMNS, self.addresses, owner.address_history)
        _copy_with_history(ctx, "accounts_consent", CONSENT_COLUMNS, self.consents, owner.consent_history)
        for history, rows in (
            (owner.account_history, self.account_history),
            (owner.contact_history, self.contact_history),
        ):
            first = ctx.ids(history.table, len(rows), "history_id").start
            position = history.columns.index("history_id")
            ctx.copy(
                history.table,
                history.columns,
                ((*row[:position], first + n, *row[position + 1 :]) for n, row in enumerate(rows)),
            )
        ctx.copy("search_entry", SEARCH_COLUMNS, self.search)


def _copy_with_history(
    ctx: BenchContext, table: str, columns: list[str], rows: list[tuple[tuple[Any, ...], datetime, int]],
    history: HistoryRows,
) -> None:  # fmt: skip
    """Rows whose id is still 0: number them, copy them, and copy one creation history row each."""
    ids = ctx.ids(table, len(rows))
    history_ids = ctx.ids(history.table, len(rows), "history_id")
    numbered = [((ids[n], *values[1:]), when, user) for n, (values, when, user) in enumerate(rows)]
    ctx.copy(table, columns, (values for values, _when, _user in numbered))
    ctx.copy(
        history.table,
        history.columns,
        (
            history.row(values, history_ids[n], when, "+", user)
            for n, (values, when, user) in enumerate(numbered)
        ),
    )


def generate(ctx: BenchContext) -> None:
    copy_columns(Account, ACCOUNT_COLUMNS)
    copy_columns(Address, ADDRESS_COLUMNS)
    copy_columns(Contact, CONTACT_COLUMNS)
    copy_columns(Consent, CONSENT_COLUMNS)
    profile = ctx.profile
    for tenant in ctx.state["tenants"]:
        if tenant.is_main:
            accounts, contacts, skewed = (
                profile.main_accounts,
                profile.main_contacts,
                profile.skewed_account_contacts,
            )
        else:
            accounts, contacts, skewed = profile.small_accounts, profile.small_contacts, 0
        builder = TenantAccounts(ctx, tenant, accounts, contacts, skewed)
        segments = builder.segments()
        micro = ctx.state.get("micro_territories") if tenant.is_main else None
        if micro is not None:
            builder.territory_rules(micro)
        builder.generate(segments, micro)


register(
    Generator(
        "accounts",
        generate,
        tables=(
            "accounts_segment",
            "accounts_territoryrule",
            "accounts_historicalterritoryrule",
            "accounts_account",
            "accounts_historicalaccount",
            "accounts_address",
            "accounts_historicaladdress",
            "accounts_contact",
            "accounts_historicalcontact",
            "accounts_consent",
            "accounts_historicalconsent",
            "search_entry",
        ),
        order=30,
    )
)
