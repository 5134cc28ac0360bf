"""Pipelines, their stages, opportunities and the immutable stage history: spec 2.2.2."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Membership, TenantManager, TenantOwnedModel
from governance.visibility import visibility_predicate

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class Pipeline(TenantOwnedModel):
    """A sales process of the tenant (new business, renewals...), with its ordered stages."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_default = models.BooleanField(
        _("default pipeline"), default=False, help_text=_("New opportunities go here unless told otherwise.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="opportunities_pipeline_name_unique"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_default=True), name="opportunities_pipeline_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(TenantOwnedModel):
    """A step of a pipeline. Entering it sets the opportunity's probability to the stage's default
    (an override stays visible) and needs the fields listed in `required_fields`."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        ABANDONED = "abandoned", _("Abandoned")

    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline")
    )
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(_("default probability (%)"), validators=PERCENT)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    required_fields = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        verbose_name=_("fields required to enter"),
        help_text=_("Names of the opportunity's fields that must be filled before it enters this stage."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "pipeline", "name"], name="opportunities_stage_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="opportunities_stage_probability_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.outcome != self.Outcome.OPEN


class Competitor(TenantOwnedModel):
    name = models.CharField(_("name"), max_length=120)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="opportunities_competitor_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class LossReason(TenantOwnedModel):
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="opportunities_lossreason_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PipelineSettings(TenantOwnedModel):
    """The tenant's rules around opportunities (one row per tenant; defaults when absent)."""

    manager_notification_threshold = models.DecimalField(
        _("notify managers of stage changes above"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Amount from which a stage change is notified to the owner's managers; empty: never."),
    )
    inactivity_reminder_days = models.PositiveSmallIntegerField(
        _("remind after days without activity"), default=30
    )
    overdue_close_date_alert = models.BooleanField(_("alert when the close date has passed"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("opportunity settings")
        verbose_name_plural = _("opportunity settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="opportunities_pipelinesettings_one_per_tenant")
        ]

    def __str__(self) -> str:
        return str(_("Opportunity settings"))


class OpportunityQuerySet(models.QuerySet["Opportunity"]):
    def visible_to(self, membership: Membership) -> OpportunityQuerySet:
        """Owner chain, the territories of the account, team sharing rules of opportunities, and the
        manual shares of the account: an account shared by hand brings its opportunities along (as its
        contacts), read-write shares included (governance.sharing.register_inherited_shares)."""
        from governance.sharing import shared_records_predicate

        predicate = visibility_predicate(
            membership, territory_field="account__territory", model_label="opportunities.opportunity"
        )
        if not predicate:
            return self.all()
        manual = shared_records_predicate(membership, "accounts.account", record_field="account")
        return self.filter(predicate | manual if manual is not None else predicate)

    def open(self) -> OpportunityQuerySet:
        return self.filter(stage__outcome=Stage.Outcome.OPEN)


OpportunityManager = TenantManager.from_queryset(OpportunityQuerySet)


class Opportunity(TenantOwnedModel):
    class BudgetType(models.TextChoices):
        OPEX = "opex", _("OPEX")
        CAPEX = "capex", _("CAPEX")

    class SaleType(models.TextChoices):
        NEW_CUSTOMER = "new_customer", _("New customer")
        UPSELL = "upsell", _("Upsell")
        CROSS_SELL = "cross_sell", _("Cross-sell")
        RENEWAL = "renewal", _("Renewal")

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("account")
    )
    primary_contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_opportunities",
        verbose_name=_("primary contact"),
    )
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("pipeline")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("stage")
    )
    amount = models.DecimalField(
        _("estimated amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=PERCENT)
    probability_overridden = models.BooleanField(
        _("probability set by hand"),
        default=False,
        help_text=_("Set when the probability differs from its stage's default."),
    )
    expected_close_date = models.DateField(_("expected close date"))
    expected_signature_date = models.DateField(_("expected signature date"), null=True, blank=True)
    competitors = models.ManyToManyField(
        Competitor,
        through="OpportunityCompetitor",
        blank=True,
        related_name="opportunities",
        verbose_name=_("competitors"),
    )
    loss_reason = models.ForeignKey(
        LossReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("loss reason"),
    )
    loss_comment = models.TextField(_("loss comment"), blank=True)
    budget_type = models.CharField(_("budget type"), max_length=8, choices=BudgetType.choices, blank=True)
    sale_type = models.CharField(
        _("sale type"), max_length=16, choices=SaleType.choices, default=SaleType.NEW_CUSTOMER
    )
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_opportunities",
        verbose_name=_("owner"),
    )
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    # Maintained by the activities app (through a registry); read by the inactivity reminder.
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True, editable=False)
    # When the rules' sweeps last alerted, so that running them twice alerts once.
    close_date_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    inactivity_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = OpportunityManager()  # type: ignore[misc]
    history = HistoricalRecords(
        excluded_fields=["updated_at", "close_date_alerted_at", "inactivity_reminded_at", "last_activity_at"]
    )

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["expected_close_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="opportunities_opportunity_probability_range",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="opportunities_opportunity_amount_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "id"], name="opportunities_opp_tenant_idx"),
            models.Index(fields=["tenant", "owner"], name="opportunities_opp_owner_idx"),
            models.Index(fields=["tenant", "account"], name="opportunities_opp_account_idx"),
            # The kanban: one pipeline's stages, soonest close first.
            models.Index(
                fields=["tenant", "pipeline", "stage", "expected_close_date", "id"],
                name="opportunities_opp_board_idx",
            ),
            models.Index(fields=["tenant", "expected_close_date", "id"], name="opportunities_opp_close_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_overdue(self) -> bool:
        """Still open after its expected close date (the rules' sweep alerts the owner once)."""
        return self.stage.outcome == Stage.Outcome.OPEN and self.expected_close_date < timezone.localdate()

    @property
    def weighted_amount(self) -> Any:
        if self.amount is None:
            return None
        return self.amount * self.probability / 100


class OpportunityCompetitor(TenantOwnedModel):
    """A competitor met on an opportunity. An explicit table, not Django's automatic one, so that it
    carries the tenant and its row-level security like every tenant table, and has its own history."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="competitor_links", verbose_name=_("opportunity")
    )
    competitor = models.ForeignKey(
        Competitor, on_delete=models.CASCADE, related_name="opportunity_links", verbose_name=_("competitor")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "opportunity", "competitor"], name="opportunities_oppcompetitor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} · {self.competitor_id}"


class OpportunityContactRole(TenantOwnedModel):
    """A contact's part in the buying decision, beside the primary contact."""

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
        TECHNICAL_BUYER = "technical_buyer", _("Technical buyer")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        PURCHASING = "purchasing", _("Purchasing")
        OTHER = "other", _("Other")

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="contact_roles", verbose_name=_("opportunity")
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.CASCADE,
        related_name="opportunity_roles",
        verbose_name=_("contact"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.INFLUENCER)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "opportunity", "contact"], name="opportunities_contactrole_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_role_display()}"


class OpportunityProduct(TenantOwnedModel):
    """A product or solution the opportunity is about (the quote's lines come later, per quote)."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="products", verbose_name=_("opportunity")
    )
    product = models.ForeignKey(
        "opportunities.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("opportunity product")
        verbose_name_plural = _("opportunity products")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "opportunity", "product"], name="opportunities_oppproduct_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="opportunities_oppproduct_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.product} x {self.quantity}"


class StageChange(TenantOwnedModel):
    """One transition of an opportunity between stages (or its creation: no `from_stage`), with the
    amount and probability at that moment. Never updated: a database trigger refuses UPDATE (deletes
    follow the opportunity, for erasure). The basis of forecast and cycle-time reports."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("opportunity")
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="+")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("from")
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True)
    currency = models.CharField(_("currency"), max_length=3)
    probability = models.PositiveSmallIntegerField(_("probability (%)"))

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "id"]
        indexes = [
            models.Index(
                fields=["tenant", "opportunity", "changed_at"], name="opportunities_stagechange_idx"
            ),
            models.Index(fields=["tenant", "changed_at"], name="opportunities_stagechg_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"
