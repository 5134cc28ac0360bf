"""The reference rows of each benchmark tenant: its pipelines and stages, loss reasons, competitors,
discount limits, settings, and the product catalogue with its price lists and prices.

The default pipeline is the one `opportunities.services.defaults.pipeline_defaults_ensure` creates (its
stages, probabilities, outcomes and required fields, names in the tenant's language); a second pipeline
for renewals shows a tenant with several.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext, override

from crm.benchdata import BenchContext, HistoryRows, copy_columns
from crm.benchdata.kernel import BenchTenant
from opportunities.models import (
    Competitor,
    DiscountLimit,
    LossReason,
    Pipeline,
    PipelineSettings,
    Price,
    PriceList,
    Product,
    Stage,
    VatRate,
)
from opportunities.services.defaults import DEFAULT_DISCOUNT_LIMITS, DEFAULT_LOSS_REASONS, DEFAULT_STAGES

# The renewals pipeline a tenant adds beside the default one (tenant data, written in French).
RENEWAL_PIPELINE = "Renouvellements"
RENEWAL_STAGES: tuple[tuple[str, int, str, list[str]], ...] = (
    ("À renouveler", 40, Stage.Outcome.OPEN, []),
    ("Proposition de renouvellement", 60, Stage.Outcome.OPEN, ["amount", "primary_contact"]),
    ("Négociation", 80, Stage.Outcome.OPEN, ["amount", "primary_contact", "expected_signature_date"]),
    ("Renouvelée", 100, Stage.Outcome.WON, ["amount"]),
    ("Perdue", 0, Stage.Outcome.LOST, ["loss_reason"]),
    ("Abandonnée", 0, Stage.Outcome.ABANDONED, []),
)
COMPETITORS = (
    "Altaïr Solutions", "Bleu Horizon", "Cerise Logiciels", "Datanova", "Équinoxe Conseil", "Fidelia",
    "Granit Systèmes", "Helios Services", "Iroise Technologies", "Jade Industrie", "Kermor Distribution",
    "Lumen Partenaires",
)  # fmt: skip
# (family code, family name, unit, VAT rate, price range in EUR, variants)
PRODUCT_FAMILIES: tuple[tuple[str, str, str, str, tuple[int, int], tuple[str, ...]], ...] = (
    ("LOG", "Licence logicielle", "licence", VatRate.STANDARD, (200, 4_000),
     ("Essentiel", "Pro", "Entreprise", "Premium")),
    ("ABO", "Abonnement Cloud", "month", VatRate.STANDARD, (30, 900), ("Starter", "Équipe", "Business")),
    ("SRV", "Contrat de service", "year", VatRate.STANDARD, (1_000, 25_000), ("Bronze", "Argent", "Or")),
    ("JRH", "Journée de conseil", "day", VatRate.STANDARD, (600, 1_600), ("Junior", "Confirmé", "Expert")),
    ("FOR", "Formation", "day", VatRate.EXEMPT, (700, 2_400), ("Inter", "Intra", "Sur mesure")),
    ("MAT", "Équipement", "unit", VatRate.STANDARD, (150, 12_000), ("Standard", "Renforcé", "Industriel")),
    ("PDT", "Pièces détachées", "unit", VatRate.STANDARD, (5, 400), ("Kit", "Lot", "Unité")),
    ("INS", "Installation", "flat_fee", VatRate.STANDARD, (300, 8_000), ("Site", "Multisite")),
    ("REN", "Travaux de rénovation", "flat_fee", VatRate.INTERMEDIATE, (2_000, 60_000),
     ("Lot 1", "Lot 2", "Lot 3")),
    ("ISO", "Isolation énergétique", "unit", VatRate.REDUCED, (20, 180), ("Murs", "Combles", "Planchers")),
    ("PUB", "Abonnement presse", "year", VatRate.SPECIAL, (90, 1_200), ("Numérique", "Papier")),
    ("AST", "Assistance", "hour", VatRate.STANDARD, (60, 180), ("Heures ouvrées", "Astreinte")),
)  # fmt: skip
# Main tenant's catalogue size by profile (the small tenants have SMALL_PRODUCTS).
PRODUCTS = {"tiny": 30, "small": 100, "large": 200}
SMALL_PRODUCTS = 8
ADMIN_SINCE = timedelta(days=900)  # the reference rows were set up this long before the load


@dataclass(frozen=True)
class StageRef:
    id: int
    position: int
    probability: int
    outcome: str
    required: tuple[str, ...]
    name: str = ""

    @property
    def is_open(self) -> bool:
        return self.outcome == Stage.Outcome.OPEN


@dataclass(frozen=True)
class PipelineRef:
    id: int
    stages: tuple[StageRef, ...]

    def outcome(self, outcome: str) -> StageRef:
        return next(stage for stage in self.stages if stage.outcome == outcome)

    @property
    def open_stages(self) -> tuple[StageRef, ...]:
        return tuple(stage for stage in self.stages if stage.is_open)

    @property
    def proposal_position(self) -> int:
        """The first stage that needs an amount: from there on an opportunity may have a quote."""
        return next(stage.position for stage in self.stages if "amount" in stage.required)


@dataclass(frozen=True)
class ProductRef:
    id: int
    name: str
    unit: str
    vat_rate: str


@dataclass
class TenantReference:
    default: PipelineRef
    renewals: PipelineRef
    loss_reasons: list[int]
    competitor_lost: int  # the loss reason "competitor chosen"
    competitors: list[int]
    products: list[ProductRef]
    price_list: int  # the standard list in force, the one quotes take their prices from
    prices: dict[int, Decimal]  # product id -> unit price in that list
    approvers: dict[int, int] = field(default_factory=dict)  # owner user id -> who approves discounts


def copy_created(
    ctx: BenchContext, model: type[models.Model], columns: Sequence[str],
    rows: Sequence[tuple[Sequence[Any], datetime, int | None]],
) -> None:  # fmt: skip
    """Copy rows that carry their ids, then one creation history row each (when, by whom)."""
    table = model._meta.db_table
    ctx.copy(table, copy_columns(model, columns), (values for values, _when, _user in rows))
    history = HistoryRows(model, columns)
    history_ids = ctx.ids(history.table, len(rows), "history_id")
    ctx.copy(
        history.table,
        history.columns,
        (history.row(values, history_ids[n], when, "+", user) for n, (values, when, user) in enumerate(rows)),
    )


def _translated(language: str, text: str) -> str:
    with override(language):
        return gettext(text)


def _pipeline(
    ctx: BenchContext, tenant: BenchTenant, name: str, position: int, is_default: bool,
    stages: Sequence[tuple[str, int, str, list[str]]], when: datetime, admin: int,
) -> PipelineRef:  # fmt: skip
    pipeline_id = ctx.next_id("opportunities_pipeline")
    copy_created(
        ctx, Pipeline, ["id", "tenant_id", "name", "position", "is_default", "is_active"],
        [((pipeline_id, tenant.id, name, position, is_default, True), when, admin)],
    )  # fmt: skip
    rows, refs = [], []
    for stage_position, (stage_name, probability, outcome, required) in enumerate(stages):
        stage_id = ctx.next_id("opportunities_stage")
        rows.append(
            ((stage_id, tenant.id, pipeline_id, stage_name, stage_position, probability, str(outcome),
              list(required), True), when, admin)
        )  # fmt: skip
        refs.append(
            StageRef(stage_id, stage_position, probability, str(outcome), tuple(required), stage_name)
        )
    columns = [
        "id", "tenant_id", "pipeline_id", "name", "position", "probability", "outcome", "required_fields",
        "is_active",
    ]  # fmt: skip
    copy_created(ctx, Stage, columns, rows)
    return PipelineRef(pipeline_id, tuple(refs))


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def reference(ctx: BenchContext, tenant: BenchTenant, language: str = "fr") -> TenantReference:
    rng = ctx.rng(f"opportunities:reference:{tenant.slug}")
    admin = tenant.members[0].user_id  # the kernel makes the administrator first
    when = ctx.now - ADMIN_SINCE
    default_stages = [
        (_translated(language, name), probability, outcome, required)
        for name, probability, outcome, required in DEFAULT_STAGES
    ]
    default = _pipeline(
        ctx, tenant, _translated(language, "New business"), 0, True, default_stages, when, admin
    )
    renewals = _pipeline(ctx, tenant, RENEWAL_PIPELINE, 1, False, RENEWAL_STAGES, when, admin)

    reasons = [
        ((ctx.next_id("opportunities_lossreason"), tenant.id, _translated(language, name), position, True),
         when, admin)
        for position, name in enumerate(DEFAULT_LOSS_REASONS)
    ]  # fmt: skip
    copy_created(ctx, LossReason, ["id", "tenant_id", "name", "position", "is_active"], reasons)
    loss_reasons = [int(values[0]) for values, _when, _user in reasons]
    competitor_lost = loss_reasons[DEFAULT_LOSS_REASONS.index("Competitor chosen")]

    names = COMPETITORS if tenant.is_main else COMPETITORS[:4]
    competitors = [
        ((ctx.next_id("opportunities_competitor"), tenant.id, name,
          f"https://www.{name.lower().split()[0].replace('ï', 'i').replace('é', 'e')}.example", True),
         when, admin)
        for name in names
    ]  # fmt: skip
    copy_created(ctx, Competitor, ["id", "tenant_id", "name", "website", "is_active"], competitors)

    limits = [
        ((ctx.next_id("opportunities_discountlimit"), tenant.id, str(role), limit), when, admin)
        for role, limit in DEFAULT_DISCOUNT_LIMITS.items()
    ]
    copy_created(ctx, DiscountLimit, ["id", "tenant_id", "role", "max_percent"], limits)
    if tenant.is_main:
        settings_row = (ctx.next_id("opportunities_pipelinesettings"), tenant.id, Decimal(100_000), 30, True)
        copy_created(
            ctx, PipelineSettings,
            ["id", "tenant_id", "manager_notification_threshold", "inactivity_reminder_days",
             "overdue_close_date_alert"],
            [(settings_row, when, admin)],
        )  # fmt: skip

    products, base_prices = _products(ctx, rng, tenant, when, admin)
    price_list, prices = _price_lists(ctx, tenant, products, base_prices, when, admin)
    return TenantReference(
        default=default,
        renewals=renewals,
        loss_reasons=loss_reasons,
        competitor_lost=competitor_lost,
        competitors=[int(values[0]) for values, _when, _user in competitors],
        products=products,
        price_list=price_list,
        prices=prices,
    )


def _products(
    ctx: BenchContext, rng: random.Random, tenant: BenchTenant, when: datetime, admin: int
) -> tuple[list[ProductRef], list[float]]:
    count = PRODUCTS[ctx.profile.name] if tenant.is_main else SMALL_PRODUCTS
    rows, refs, base_prices = [], [], []
    for n in range(count):
        code, family, unit, vat, (low, high), variants = PRODUCT_FAMILIES[n % len(PRODUCT_FAMILIES)]
        variant = variants[(n // len(PRODUCT_FAMILIES)) % len(variants)]
        generation = n // (len(PRODUCT_FAMILIES) * len(variants))
        name = f"{family} {variant}" + (f" G{generation + 1}" if generation else "")
        product_id = ctx.next_id("opportunities_product")
        description = f"{family} : offre {variant.lower()}." if rng.random() < 0.7 else ""
        active = rng.random() < 0.95
        base = low * (high / low) ** rng.random()
        # What the product costs the seller (the margin field, readable by managers and finance).
        cost = Decimal(str(round(base * rng.uniform(0.35, 0.7), 2)))
        rows.append(
            ((product_id, tenant.id, f"{code}-{n + 1:04d}", name, description, unit, str(vat), active, cost),
             when, admin)
        )  # fmt: skip
        refs.append(ProductRef(product_id, name, unit, str(vat)))
        base_prices.append(base)
    columns = [
        "id", "tenant_id", "code", "name", "description", "unit", "default_vat_rate", "is_active",
        "purchase_cost",
    ]  # fmt: skip
    copy_created(ctx, Product, columns, rows)
    return refs, base_prices


def _price_lists(
    ctx: BenchContext, tenant: BenchTenant, products: list[ProductRef], base_prices: list[float],
    when: datetime, admin: int,
) -> tuple[int, dict[int, Decimal]]:  # fmt: skip
    """This year's standard list, last year's (ended), and for the main tenant one for key accounts."""
    year = ctx.now.year
    lists: list[tuple[str, date | None, date | None, int | None, float, bool]] = [
        (f"Tarif général {year}", date(year, 1, 1), date(year, 12, 31), None, 1.0, True),
        (f"Tarif général {year - 1}", date(year - 1, 1, 1), date(year - 1, 12, 31), None, 0.96, False),
    ]
    if tenant.is_main:
        ctx.cursor.execute(
            "SELECT id FROM accounts_segment WHERE tenant_id = %s AND name = %s",
            [tenant.id, "Grands comptes"],
        )
        found = ctx.cursor.fetchone()
        lists.append(("Grands comptes", date(year, 1, 1), None, found[0] if found else None, 0.85, True))
    list_rows, price_rows = [], []
    standard, prices = 0, {}
    for name, valid_from, valid_until, segment, factor, active in lists:
        list_id = ctx.next_id("opportunities_pricelist")
        standard = standard or list_id
        list_rows.append(
            ((list_id, tenant.id, name, "EUR", valid_from, valid_until, segment, active), when, admin)
        )
        for product, base in zip(products, base_prices, strict=True):
            price = _money(base * factor)
            price_rows.append(((ctx.next_id("opportunities_price"), tenant.id, list_id, product.id, price),
                               when, admin))  # fmt: skip
            if list_id == standard:
                prices[product.id] = price
    copy_created(
        ctx, PriceList,
        ["id", "tenant_id", "name", "currency", "valid_from", "valid_until", "segment_id", "is_active"],
        list_rows,
    )  # fmt: skip
    copy_created(ctx, Price, ["id", "tenant_id", "price_list_id", "product_id", "unit_price"], price_rows)
    return standard, prices
