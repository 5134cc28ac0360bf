"""Demo data of quotes: a catalogue, two price lists, the demo tenant's company profile with a logo
drawn by code, and a couple of quotes on demo opportunities."""

from __future__ import annotations

import datetime
from decimal import Decimal
from html import escape

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Account, Segment
from crm.models import Membership, Tenant
from opportunities.models import CompanyProfile, Opportunity, PriceList, Product, Quote
from opportunities.services.catalogue import price_set
from opportunities.services.pipeline import opportunity_create
from opportunities.services.quotes import quote_create, quote_line_add, quote_send


def demo_logo_svg(name: str) -> str:
    """A simple logo: the initials in a rounded square and the name beside it."""
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="80" viewBox="0 0 360 80">'
        '<rect x="0" y="4" width="72" height="72" rx="14" fill="#1d3557"/>'
        '<path d="M8 60 L36 20 L64 60 Z" fill="#e63946" opacity="0.85"/>'
        f'<text x="36" y="52" font-family="DejaVu Sans, Arial" font-size="26" font-weight="bold" '
        f'fill="#ffffff" text-anchor="middle">{escape(initials)}</text>'
        f'<text x="88" y="50" font-family="DejaVu Sans, Arial" font-size="26" fill="#1d3557">{escape(name)}</text>'
        "</svg>"
    )


# code, name, description, unit, VAT rate, purchase cost, standard price, key-account price
CATALOGUE = [
    ("LIC-PRO", "Licence CRM Pro", "Par utilisateur et par an", "licence", "20.00", "96.00", "480.00", "420.00"),
    ("LIC-ENT", "Licence CRM Entreprise", "Par utilisateur et par an, SSO et audit", "licence", "20.00",
     "150.00", "720.00", "630.00"),
    ("HEB-DED", "Hébergement dédié", "Instance dédiée en France, par mois", "month", "20.00", "310.00",
     "650.00", "600.00"),
    ("SUP-PRE", "Support premium", "Réponse en 4 heures ouvrées, par an", "year", "20.00", "1200.00",
     "3600.00", "3200.00"),
    ("PS-PARAM", "Paramétrage", "Journée de consultant", "day", "20.00", "520.00", "950.00", "880.00"),
    ("PS-REPRISE", "Reprise de données", "Journée de consultant", "day", "20.00", "520.00", "950.00", "880.00"),
    ("PS-CHEF", "Chef de projet", "Journée de chef de projet", "day", "20.00", "610.00", "1100.00", "1020.00"),
    ("FOR-ADMIN", "Formation administrateur", "Une journée, jusqu'à 8 personnes", "day", "20.00", "450.00",
     "1250.00", "1150.00"),
    ("FOR-ELEARN", "Parcours e-learning", "Accès d'un an, par utilisateur", "user", "20.00", "8.00", "60.00",
     "50.00"),
    ("DOC-GUIDE", "Guide pratique imprimé", "Livre, 180 pages", "unit", "5.50", "6.20", "19.99", "19.99"),
]  # fmt: skip


def seed_quotes(tenant: Tenant, memberships: dict[str, Membership]) -> str:
    """The catalogue, two price lists, the company profile with its logo, and two quotes (one sent, one
    awaiting a manager's approval) on demo opportunities. Idempotent."""
    admin = memberships["admin"].user
    for code, name, description, unit, vat, cost, *_prices in CATALOGUE:
        Product.objects.update_or_create(
            code=code,
            defaults={
                "tenant": tenant, "name": name, "description": description, "unit": unit,
                "default_vat_rate": vat, "purchase_cost": Decimal(cost),
            },
        )  # fmt: skip
    key_accounts = Segment.objects.filter(name="Grands comptes").first()
    standard, _created = PriceList.objects.get_or_create(
        name="Tarif standard 2026", defaults={"tenant": tenant, "currency": "EUR"}
    )
    key, _created = PriceList.objects.get_or_create(
        name="Tarif grands comptes 2026",
        defaults={"tenant": tenant, "currency": "EUR", "segment": key_accounts},
    )
    products = {product.code: product for product in Product.objects.all()}
    for code, *_rest, standard_price, key_price in CATALOGUE:
        price_set(
            price_list=standard, product=products[code], unit_price=Decimal(standard_price), actor=admin
        )
        price_set(price_list=key, product=products[code], unit_price=Decimal(key_price), actor=admin)
    _company_profile(tenant)
    quotes = _demo_quotes(tenant, memberships, standard, products)
    return f"{len(CATALOGUE)} products, 2 price lists, company profile, {quotes} quotes"


def _company_profile(tenant: Tenant) -> CompanyProfile:
    profile, _created = CompanyProfile.objects.update_or_create(
        tenant=tenant,
        defaults={
            "legal_name": tenant.name, "legal_form": "SAS", "share_capital": Decimal("250000"),
            "address_line1": "18 rue de la République", "postal_code": "69002", "city": "Lyon",
            "siret": "73282932000074", "vat_number": "FR44732829320", "rcs_city": "Lyon",
            "email": "contact@demo.example", "phone": "+33 4 72 00 00 00",
            "default_payment_terms": "30 jours fin de mois, par virement", "default_validity_days": 30,
            "bank_name": "Banque Populaire", "iban": "FR7610907000301234567890185", "bic": "CCBPFRPPBDX",
        },
    )  # fmt: skip
    if not profile.logo:
        profile.logo.save("logo.svg", ContentFile(demo_logo_svg(tenant.name).encode()), save=False)
        profile.save(update_fields=["logo"])
    return profile


def _demo_quotes(
    tenant: Tenant, memberships: dict[str, Membership], price_list: PriceList, products: dict[str, Product]
) -> int:
    if Quote.objects.exists():
        return Quote.objects.count()
    rep = memberships["rep"].user
    opportunities = list(Opportunity.objects.filter(stage__outcome="open").order_by("pk")[:2])
    if len(opportunities) < 2:
        account = Account.objects.order_by("pk").first()
        if account is None:
            return 0
        for name in ("Déploiement CRM (démo devis)", "Extension licences (démo devis)")[len(opportunities) :]:
            opportunities.append(
                opportunity_create(
                    tenant=tenant, actor=rep, account=account, name=name, owner=rep,
                    expected_close_date=timezone.localdate() + datetime.timedelta(days=45),
                )
            )  # fmt: skip
    first, second = opportunities
    sent = quote_create(opportunity=first, actor=first.owner or rep, price_list=price_list,
                        commitment_months=36, tacit_renewal=True, indexation="syntec")  # fmt: skip
    for code, quantity, discount in (("LIC-PRO", "25", "5"), ("PS-PARAM", "4", "0"), ("FOR-ADMIN", "2", "0"),
                                     ("DOC-GUIDE", "10", "0")):  # fmt: skip
        quote_line_add(quote=sent, actor=first.owner or rep, product=products[code], quantity=Decimal(quantity),
                       discount_value=Decimal(discount))  # fmt: skip
    quote_send(quote=sent, actor=first.owner or rep)
    pending = quote_create(opportunity=second, actor=rep, price_list=price_list, language="en")
    quote_line_add(quote=pending, actor=rep, product=products["LIC-ENT"], quantity=Decimal("40"),
                   discount_value=Decimal("18"))  # fmt: skip
    quote_line_add(quote=pending, actor=rep, product=products["PS-CHEF"], quantity=Decimal("3"))
    return 2
