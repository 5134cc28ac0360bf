"""Demo accounts and contacts for `seed_demo`: French companies with valid SIREN/SIRET and VAT
numbers, real NAF codes, a group with subsidiaries, contacts with consents. Idempotent (keyed on SIRET)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts import search as account_search
from accounts.dedup.scan import duplicate_scan
from accounts.models import Account, Address, Consent, Contact, Segment, TerritoryRule
from accounts.territories import territories_realign
from crm.models import Membership, Tenant
from governance import search
from governance.models import Territory, TerritoryMember


def luhn_complete(digits: str) -> str:
    """Append the digit that makes `digits` pass the Luhn check (SIREN and SIRET use it)."""
    for last in "0123456789":
        candidate = digits + last
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def demo_siret(seed: int, establishment: int = 1) -> str:
    siren = luhn_complete(f"{81234000 + seed * 7919 % 999999:08d}"[:8])
    return luhn_complete(f"{siren}{establishment:04d}")


def french_vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


# name, legal form, NAF, city, postal code, owner, type, revenue, potential, months since last purchase
COMPANIES = [
    ("Société Générale des Eaux du Léman", "SA", "36.00Z", "Thonon-les-Bains", "74200", "terrain.lyon", "customer", "1850000", "2400000", 3),
    ("Boulangeries Artisanales Petit", "SARL", "10.71C", "Lille", "59000", "rep", "customer", "85000", "120000", 14),
    ("Transports Lefort et Fils", "SAS", "49.41A", "Amiens", "80000", "rep", "prospect", None, "300000", None),
    ("Atelier Numérique Rhône-Alpes", "SASU", "62.01Z", "Lyon", "69003", "terrain.lyon", "customer", "42000", "90000", 30),
    ("Clinique Vétérinaire des Alpilles", "SELARL", "75.00Z", "Arles", "13200", "inside", "prospect", None, "25000", None),
    ("Hôtellerie Côte Basque", "SAS", "55.10Z", "Biarritz", "64200", "inside", "customer", "230000", "260000", 6),
    ("Coopérative Agricole du Berry", "SCOP", "01.11Z", "Bourges", "18000", "manager", "partner", None, None, None),
    ("Imprimerie Moderne de Nantes", "SA", "18.12Z", "Nantes", "44000", "manager.sud", "customer", "510000", "600000", 20),
    ("Cabinet Lambert Expertise", "SARL", "69.20Z", "Bordeaux", "33000", "manager.sud", "prospect", None, "40000", None),
    ("Fromagerie du Jura", "EURL", "10.51C", "Lons-le-Saunier", "39000", "terrain.lyon", "supplier", None, None, None),
]  # fmt: skip

GROUP = (
    "Groupe Durand Énergie",
    "SA",
    "70.10Z",
    "Paris",
    "75008",
    "direction",
    "customer",
    "4200000",
    "5000000",
    2,
)
SUBSIDIARIES = [
    ("Durand Énergie Ouest", "SAS", "35.14Z", "Rennes", "35000", "manager", "customer", "900000", "1100000", 5),
    ("Durand Énergie Sud", "SAS", "35.14Z", "Marseille", "13002", "manager.sud", "customer", "1300000", "1400000", 8),
    ("Durand Solaire Provence", "SASU", "43.21A", "Aix-en-Provence", "13100", "inside", "customer", "350000", "500000", 15),
]  # fmt: skip

PEOPLE = [
    ("mme", "Hélène", "Garnier", "Directrice des achats", "Achats", "+33612345601"),
    ("m", "Olivier", "Marchand", "Directeur général", "Direction", "+33612345602"),
    ("mme", "Sarah", "Benali", "Responsable administrative et financière", "Finance", "+33612345603"),
]


def _upsert(
    tenant: Tenant, seed: int, row: tuple, owners: dict[str, Membership], parent: Account | None
) -> Account:  # type: ignore[type-arg]
    name, form, naf, city, postal_code, owner, kind, revenue, potential, months = row
    siret = demo_siret(seed)
    last_purchase = timezone.localdate() - timedelta(days=30 * months) if months is not None else None
    account, _created = Account.objects.update_or_create(
        siret=siret,
        defaults={
            "legal_name": name,
            "legal_form": form if form in Account.LegalForm.values else Account.LegalForm.OTHER,
            "siren": siret[:9],
            "vat_number": french_vat(siret[:9]),
            "naf_code": naf,
            "naf_version": "NAFRev2",
            "account_type": kind,
            "owner": owners[owner].user,
            "customer_revenue": Decimal(revenue) if revenue else None,
            "estimated_potential": Decimal(potential) if potential else None,
            "last_purchase_date": last_purchase,
            "parent": parent,
            "origin": Account.Origin.PROSPECTING,
        },
    )
    Address.objects.update_or_create(
        account=account,
        kind=Address.Kind.HEAD_OFFICE,
        defaults={"line1": f"{seed + 1} rue de la République", "postal_code": postal_code, "city": city},
    )
    return account


# territory, parent, postal-code prefixes (France), members
TERRITORIES = [
    ("France", None, [], []),
    ("Nord et Île-de-France", "France", ["59", "62", "80", "75", "92", "93", "94", "35"], ["rep"]),
    ("Sud-Est", "France", ["13", "69", "74", "39"], ["terrain.lyon"]),
    ("Sud-Ouest et Centre", "France", ["33", "64", "44", "18"], ["inside"]),
]


def seed_territories(tenant: Tenant, memberships: dict[str, Membership]) -> None:
    created: dict[str, Territory] = {}
    for name, parent, prefixes, members in TERRITORIES:
        territory, _new = Territory.objects.update_or_create(
            name=name, defaults={"parent": created.get(parent or "")}
        )
        created[name] = territory
        for prefix in prefixes:
            TerritoryRule.objects.get_or_create(territory=territory, country="FR", postal_code_prefix=prefix)
        for local in members:
            TerritoryMember.objects.get_or_create(territory=territory, membership=memberships[local])


def seed_accounts(tenant: Tenant, memberships: dict[str, Membership]) -> str:
    # Runs inside the demo tenant's scope: every new row takes its tenant from it.
    for position, name in enumerate(["PME", "ETI", "Grands comptes"]):
        Segment.objects.get_or_create(name=name, defaults={"tenant": tenant, "position": position})
    group = _upsert(tenant, 100, GROUP, memberships, None)
    accounts = [group]
    accounts += [_upsert(tenant, 101 + n, row, memberships, group) for n, row in enumerate(SUBSIDIARIES)]
    accounts += [_upsert(tenant, n, row, memberships, None) for n, row in enumerate(COMPANIES)]
    contacts = 0
    for index, account in enumerate(accounts):
        for offset, (salutation, first, last, title, department, mobile) in enumerate(
            PEOPLE[: 1 + index % 3]
        ):
            email = f"{first}.{last}@{account.siren}.example".lower().replace("é", "e").replace("è", "e")
            contact, _created = Contact.objects.update_or_create(
                account=account,
                email=email,
                defaults={
                    "salutation": salutation,
                    "first_name": first,
                    "last_name": last,
                    "job_title": title,
                    "department": department,
                    "mobile": mobile[:-3] + f"{index:02d}"[-2:] + str(offset),
                    "owner": account.owner,
                    "relationship_status": Contact.RelationshipStatus.CUSTOMER
                    if account.account_type == Account.Type.CUSTOMER
                    else Contact.RelationshipStatus.COLD_LEAD,
                },
            )
            Consent.objects.update_or_create(
                contact=contact,
                purpose=Consent.Purpose.MARKETING_EMAIL,
                defaults={
                    "status": Consent.Status.GRANTED if offset == 0 else Consent.Status.REFUSED,
                    "source": "Salon Expoprotection 2026",
                    "proof": f"Formulaire papier n° 2026-{index:03d}",
                },
            )
            contacts += 1
    seed_territories(tenant, memberships)
    seed_duplicates(memberships)
    territories_realign()
    # The rows above are written directly (idempotent upserts), not through the services: index them.
    for object_type in (account_search.ACCOUNT, account_search.CONTACT):
        search.rebuild(object_type)
    found = duplicate_scan()
    return (
        f"{len(accounts) + 1} accounts (a group with {len(SUBSIDIARIES)} subsidiaries), {contacts + 1} contacts, "
        f"{len(TERRITORIES)} territories, "
        f"{sum(counts.found for counts in found.values())} possible duplicates"
    )


def seed_duplicates(memberships: dict[str, Membership]) -> None:
    """A second entry for a printer of Nantes, typed in capitals and without SIRET by a colleague, with
    the same buyer: the duplicates scan pairs both accounts and both contacts, ready to be merged."""
    original = Account.objects.get(legal_name="Imprimerie Moderne de Nantes")
    copy, _created = Account.objects.update_or_create(
        legal_name="IMPRIMERIE MODERNE NANTES",
        defaults={"owner": memberships["manager.sud"].user, "account_type": Account.Type.CUSTOMER},
    )
    Address.objects.update_or_create(
        account=copy,
        kind=Address.Kind.HEAD_OFFICE,
        defaults={"line1": "12 bd de la Prairie au Duc", "postal_code": "44000", "city": "Nantes"},
    )
    buyer = Contact.objects.filter(account=original).order_by("pk").first()
    if buyer is not None:
        Contact.objects.update_or_create(
            account=copy,
            email=buyer.email,
            defaults={
                "first_name": buyer.first_name,
                "last_name": buyer.last_name.upper(),
                "owner": copy.owner,
                "job_title": "Acheteuse",
            },
        )
