"""The product catalogue and its price lists (spec 2.2.2, products and quotes)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantOwnedModel


class VatRate(models.TextChoices):
    """The French VAT rates (CGI art. 278 to 281 nonies) and the exempt case (export, intra-EU B2B
    reverse charge, franchise). Stored as text so the value is exact: Decimal(rate) when computing."""

    STANDARD = "20.00", _("20 % (standard)")
    INTERMEDIATE = "10.00", _("10 % (intermediate)")
    REDUCED = "5.50", _("5.5 % (reduced)")
    SPECIAL = "2.10", _("2.1 % (special)")
    EXEMPT = "0.00", _("0 % (exempt or reverse charge)")


def vat_percent(rate: str) -> Decimal:
    return Decimal(rate)


class Product(TenantOwnedModel):
    class Unit(models.TextChoices):
        UNIT = "unit", _("unit")
        HOUR = "hour", _("hour")
        DAY = "day", _("day")
        MONTH = "month", _("month")
        YEAR = "year", _("year")
        LICENCE = "licence", _("licence")
        USER = "user", _("user")
        FLAT_FEE = "flat_fee", _("flat fee")

    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, default=Unit.UNIT)
    default_vat_rate = models.CharField(
        _("default VAT rate"), max_length=6, choices=VatRate.choices, default=VatRate.STANDARD
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Sensitive (field policy): read by managers, director, admin and finance, to see a quote's margin.
    purchase_cost = models.DecimalField(
        _("purchase cost excl. tax"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="opportunities_product_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class PriceList(TenantOwnedModel):
    """Prices in one currency, valid between two dates, for every segment or one."""

    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    segment = models.ForeignKey(
        "accounts.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segment"),
        help_text=_("Empty: for every segment."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="opportunities_pricelist_name_unique"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="opportunities_pricelist_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(TenantOwnedModel):
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="prices", verbose_name=_("price list")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="prices", verbose_name=_("product")
    )
    unit_price = models.DecimalField(_("unit price excl. tax"), max_digits=14, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "price_list", "product"], name="opportunities_price_unique"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="opportunities_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.unit_price} {self.price_list.currency}"
