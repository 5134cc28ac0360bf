"""Quotes (devis) of an opportunity, their lines, numbering and discount approvals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Membership, TenantManager, TenantOwnedModel
from crm.roles import Role
from opportunities.models.catalogue import PriceList, Product, VatRate


class DiscountKind(models.TextChoices):
    PERCENT = "percent", _("%")
    AMOUNT = "amount", _("amount")


class QuoteQuerySet(models.QuerySet["Quote"]):
    def visible_to(self, membership: Membership) -> QuoteQuerySet:
        """A quote is visible when its opportunity is."""
        from opportunities.models.pipeline import Opportunity

        visible = Opportunity.objects.visible_to(membership).values("pk")  # type: ignore[attr-defined]
        return self.filter(opportunity__in=visible)


QuoteManager = TenantManager.from_queryset(QuoteQuerySet)


class Quote(TenantOwnedModel):
    """One version of a quote. A new version copies the previous one under the same number; the
    number is the tenant's next one (QuoteSequence), without gaps."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded by a new version")

    class Approval(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        PENDING = "pending", _("Awaiting a manager's approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Indexation(models.TextChoices):
        NONE = "", _("None")
        SYNTEC = "syntec", _("Syntec index")
        INSEE_ICT = "insee_ict", _("INSEE labour cost index")
        FIXED = "fixed", _("Fixed yearly percentage")

    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("opportunity"),
    )
    number = models.CharField(_("number"), max_length=32)
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous_version = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version", editable=False
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    language = models.CharField(_("language"), max_length=2, default="fr")
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("addressed to"),
    )
    price_list = models.ForeignKey(
        PriceList,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name=_("price list"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    issue_date = models.DateField(_("date"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"))
    payment_terms = models.CharField(_("payment terms"), max_length=200, blank=True)
    commitment_months = models.PositiveSmallIntegerField(_("commitment (months)"), null=True, blank=True)
    tacit_renewal = models.BooleanField(_("tacit renewal"), default=False)
    indexation = models.CharField(_("indexation"), max_length=16, choices=Indexation.choices, blank=True)
    indexation_rate = models.DecimalField(
        _("indexation rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    global_discount_kind = models.CharField(
        _("global discount"), max_length=8, choices=DiscountKind.choices, default=DiscountKind.PERCENT
    )
    global_discount_value = models.DecimalField(
        _("global discount value"), max_digits=14, decimal_places=2, default=0
    )
    # Computed by the services from the lines, stored for lists, the PDF and reports.
    total_excl_tax = models.DecimalField(_("total excl. tax"), max_digits=14, decimal_places=2, default=0)
    total_tax = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=0)
    total_incl_tax = models.DecimalField(_("total incl. tax"), max_digits=14, decimal_places=2, default=0)
    max_discount_percent = models.DecimalField(
        _("largest discount (%)"), max_digits=5, decimal_places=2, default=0, editable=False
    )
    approval = models.CharField(
        _("discount approval"), max_length=16, choices=Approval.choices, default=Approval.NOT_NEEDED
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approval_note = models.TextField(_("approval note"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(_("accepted or refused at"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version_lock = models.PositiveIntegerField(default=1, editable=False)

    objects = QuoteManager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-sequence", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number", "version"], name="opportunities_quote_number_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(global_discount_value__gte=0), name="opportunities_quote_discount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "opportunity"], name="opportunities_quote_opp_idx"),
            models.Index(fields=["tenant", "status", "valid_until"], name="opportunities_quote_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}" if self.version > 1 else self.number


class QuoteLine(TenantOwnedModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quote"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=16, choices=Product.Unit.choices, default=Product.Unit.UNIT)
    unit_price = models.DecimalField(_("unit price excl. tax"), max_digits=14, decimal_places=2)
    discount_kind = models.CharField(
        _("discount"), max_length=8, choices=DiscountKind.choices, default=DiscountKind.PERCENT
    )
    discount_value = models.DecimalField(_("discount value"), max_digits=14, decimal_places=2, default=0)
    vat_rate = models.CharField(
        _("VAT rate"), max_length=6, choices=VatRate.choices, default=VatRate.STANDARD
    )
    total_excl_tax = models.DecimalField(_("total excl. tax"), max_digits=14, decimal_places=2, default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="opportunities_quoteline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="opportunities_quoteline_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_value__gte=0), name="opportunities_quoteline_discount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class QuoteSequence(TenantOwnedModel):
    """The tenant's last quote number for a year. Taken with SELECT ... FOR UPDATE in the transaction
    that inserts the quote: a rolled-back quote gives its number back, so numbers have no gaps."""

    year = models.PositiveSmallIntegerField(_("year"))
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("quote numbering")
        verbose_name_plural = _("quote numbering")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "year"], name="opportunities_quotesequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class DiscountLimit(TenantOwnedModel):
    """The largest discount (percent of a line or of the quote) a role may grant without approval."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    max_percent = models.DecimalField(
        _("largest discount without approval (%)"), max_digits=5, decimal_places=2
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("discount limit")
        verbose_name_plural = _("discount limits")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "role"], name="opportunities_discountlimit_unique"),
            models.CheckConstraint(
                condition=Q(max_percent__gte=0, max_percent__lte=100),
                name="opportunities_discountlimit_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.max_percent} %"
