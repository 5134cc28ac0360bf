"""Leads (spec 2.2.1): capture, assignment, first-contact SLA, qualification and conversion.

A lead is a person and a company not yet in accounts and contacts. It is owned by a user once
assigned; until then (owner empty) it sits in the tenant's fallback queue, seen by the members named
in `Lead.visible_to`.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Membership, TenantManager, TenantOwnedModel
from crm.roles import Role
from governance.visibility import visibility_predicate

# Roles that see the fallback queue (unassigned leads) besides the company-wide readers: the managers
# who dispatch it. Members of the tenant's fallback team see it too (see LeadQuerySet.visible_to).
QUEUE_ROLES = frozenset({Role.SALES_MANAGER})


class LeadSource(TenantOwnedModel):
    """The tenant's list of lead sources; a source may carry its own first-contact SLA."""

    # The defaults each tenant starts with (leads.services.lead_sources_seed): code -> name.
    DEFAULTS: tuple[tuple[str, Any], ...] = (
        ("web_form", _("Web form")),
        ("content_download", _("Content download")),
        ("event", _("Event")),
        ("purchased_list", _("Purchased list")),
        ("email_campaign", _("Email campaign")),
        ("inbound_call", _("Inbound call")),
        ("referral", _("Referral")),
        ("partner", _("Partner")),
    )

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    sla_hours = models.PositiveSmallIntegerField(
        _("first-contact SLA (hours)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the company's first-contact SLA."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="leads_source_code_unique")]

    def __str__(self) -> str:
        return self.name


def default_conversion_prerequisites() -> list[str]:
    return ["qualified", "qualification_complete"]  # leads.prerequisites


class LeadSettings(TenantOwnedModel):
    """One row per tenant: the first-contact SLA, the assignment delay, qualification and conversion."""

    class Grid(models.TextChoices):
        BANT = "bant", _("BANT (budget, authority, need, timeline)")
        CUSTOM = "custom", _("The company's own questions")

    first_contact_sla_hours = models.PositiveSmallIntegerField(_("first-contact SLA (hours)"), default=24)
    sla_in_business_hours = models.BooleanField(
        _("count the SLA in business hours"),
        default=False,
        help_text=_("Counted on the company's business calendar (working days and hours, public holidays)."),
    )
    max_assignment_delay_minutes = models.PositiveIntegerField(
        _("maximum assignment delay (minutes)"),
        default=60,
        help_text=_("A lead still unassigned after this delay raises an alert to the managers."),
    )
    fallback_team = models.ForeignKey(
        "governance.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fallback queue team"),
        help_text=_("Its members see and work the unassigned leads. Empty: the managers only."),
    )
    qualification_grid = models.CharField(
        _("qualification grid"), max_length=16, choices=Grid.choices, default=Grid.BANT
    )
    custom_questions = models.JSONField(
        _("qualification questions"),
        default=list,
        blank=True,
        help_text=_('For the company\'s own grid: a list of {"key": ..., "label": ...}.'),
    )
    conversion_prerequisites = ArrayField(
        models.CharField(max_length=40),
        default=default_conversion_prerequisites,
        blank=True,
        verbose_name=_("conversion prerequisites"),
        help_text=_("What must be done before a lead can be converted."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lead settings")
        verbose_name_plural = _("lead settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="leads_settings_one_per_tenant")]

    def __str__(self) -> str:
        return str(_("Lead settings"))


def default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday to Friday (date.weekday())


class BusinessCalendar(TenantOwnedModel):
    """The tenant's business calendar: working days and hours, French public holidays, other closed
    days. Business-hour arithmetic is leads.business_hours.add_business_hours (pure)."""

    working_days = ArrayField(
        models.PositiveSmallIntegerField(),
        default=default_working_days,
        verbose_name=_("working days"),
        help_text=_("0 = Monday … 6 = Sunday."),
    )
    day_start = models.TimeField(_("start of the day"), default=time(9, 0))
    day_end = models.TimeField(_("end of the day"), default=time(18, 0))
    french_public_holidays = models.BooleanField(_("closed on French public holidays"), default=True)
    closed_days = ArrayField(
        models.DateField(), default=list, blank=True, verbose_name=_("other closed days")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="leads_calendar_one_per_tenant"),
            models.CheckConstraint(condition=Q(day_start__lt=models.F("day_end")), name="leads_calendar_day"),
        ]

    def __str__(self) -> str:
        return str(_("Business calendar"))


class AssignmentRule(TenantOwnedModel):
    """Ordered per tenant: the first active rule whose criteria all match a new lead assigns it, to a
    user or in turn to the members of a team (round robin, `last_assigned_user` is the pointer)."""

    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    postal_code_prefix = models.CharField(_("postal code prefix"), max_length=10, blank=True)
    segment = models.ForeignKey(
        "accounts.Segment", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("segment"),
    )  # fmt: skip
    language = models.CharField(_("language"), max_length=2, blank=True)
    partner = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("partner"),
    )  # fmt: skip
    product_of_interest = models.ForeignKey(
        "opportunities.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("product of interest"),
    )  # fmt: skip
    source = models.ForeignKey(
        LeadSource,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source"),
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("assign to"),
    )  # fmt: skip
    target_team = models.ForeignKey(
        "governance.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("round robin within the team"),
    )  # fmt: skip
    last_assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        editable=False,
    )  # fmt: skip

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target_user__isnull=False) & Q(target_team__isnull=True))
                | (Q(target_user__isnull=True) & Q(target_team__isnull=False)),
                name="leads_rule_one_target",
            )
        ]
        indexes = [models.Index(fields=["tenant", "position"], name="leads_rule_position_idx")]

    def __str__(self) -> str:
        return self.name


class LeadQuerySet(models.QuerySet["Lead"]):
    def visible_to(self, membership: Membership) -> LeadQuerySet:
        """The sharing model's predicate (owner chain, territories, sharing rules), plus the fallback
        queue (leads without an owner) for sales managers and the fallback team's members. Company-wide
        roles (admin, director, marketing...) see every lead already."""
        predicate = visibility_predicate(membership, territory_field="territory", model_label="leads.lead")
        if not predicate:
            return self.all()
        if membership.role in QUEUE_ROLES:
            return self.filter(predicate | Q(owner__isnull=True))
        from governance.models import TeamMember

        in_fallback_team = Exists(
            TeamMember.objects.filter(
                membership_id=membership.pk,
                team_id=OuterRef("fallback_team_id"),
            )
        )
        queue = Q(owner__isnull=True) & Q(Exists(LeadSettings.objects.filter(in_fallback_team)))
        return self.filter(predicate | queue)

    def open(self) -> LeadQuerySet:
        return self.filter(status__in=Lead.OPEN_STATUSES)


LeadManager = TenantManager.from_queryset(LeadQuerySet)


class Lead(TenantOwnedModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        QUALIFYING = "qualifying", _("In qualification")
        QUALIFIED = "qualified", _("Qualified")
        UNQUALIFIED = "unqualified", _("Unqualified")
        CONVERTED = "converted", _("Converted")

    class UnqualifiedReason(models.TextChoices):
        NO_BUDGET = "no_budget", _("No budget")
        NO_NEED = "no_need", _("No need")
        NO_AUTHORITY = "no_authority", _("Not a decision maker")
        BAD_TIMING = "bad_timing", _("Not the right time")
        COMPETITOR = "competitor", _("Went with a competitor")
        UNREACHABLE = "unreachable", _("Unreachable")
        DUPLICATE = "duplicate", _("Duplicate")
        SPAM = "spam", _("Spam or fake")
        OTHER = "other", _("Other")

    class Timeline(models.TextChoices):
        NOW = "now", _("Under 3 months")
        SOON = "soon", _("3 to 6 months")
        LATER = "later", _("6 to 12 months")
        UNKNOWN = "unknown", _("Over a year or unknown")

    OPEN_STATUSES = ("new", "qualifying", "qualified")

    # The person
    salutation = models.CharField(_("salutation"), max_length=4, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("Stored in E.164."))
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=2, default="fr")
    # The company
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    segment = models.ForeignKey(
        "accounts.Segment", on_delete=models.PROTECT, null=True, blank=True, related_name="leads",
        verbose_name=_("segment"),
    )  # fmt: skip
    partner = models.ForeignKey(
        "accounts.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="partner_leads",
        verbose_name=_("partner"),
    )  # fmt: skip
    # Where it comes from
    source = models.ForeignKey(
        LeadSource, on_delete=models.PROTECT, null=True, blank=True, related_name="leads",
        verbose_name=_("source"),
    )  # fmt: skip
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    utm_source = models.CharField(_("UTM source"), max_length=200, blank=True)
    utm_medium = models.CharField(_("UTM medium"), max_length=200, blank=True)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=200, blank=True)
    utm_term = models.CharField(_("UTM term"), max_length=200, blank=True)
    utm_content = models.CharField(_("UTM content"), max_length=200, blank=True)
    web_form = models.ForeignKey(
        "leads.WebForm", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads",
        verbose_name=_("web form"),
    )  # fmt: skip
    # A known person: the contact whose e-mail the lead arrived with (web-to-lead links, not duplicates).
    known_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="known_leads",
        verbose_name=_("known contact"),
    )  # fmt: skip
    product_of_interest = models.ForeignKey(
        "opportunities.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("product of interest"),
    )  # fmt: skip
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    funnel_entered_at = models.DateTimeField(_("entered the funnel"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    unqualified_reason = models.CharField(
        _("reason"), max_length=16, choices=UnqualifiedReason.choices, blank=True
    )
    unqualified_note = models.TextField(_("details"), blank=True)
    # Assignment and the first-contact SLA
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_leads",
        verbose_name=_("owner"),
    )  # fmt: skip
    territory = models.ForeignKey(
        "governance.Territory", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads",
        verbose_name=_("territory"),
    )  # fmt: skip
    assignment_rule = models.ForeignKey(
        AssignmentRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("assigned by the rule"), editable=False,
    )  # fmt: skip
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    first_contact_due_at = models.DateTimeField(_("first contact due"), null=True, blank=True, editable=False)
    first_contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True, editable=False)
    sla_breached_at = models.DateTimeField(_("SLA breached at"), null=True, blank=True, editable=False)
    sla_escalated_at = models.DateTimeField(_("SLA escalated at"), null=True, blank=True, editable=False)
    unassigned_alerted_at = models.DateTimeField(
        _("unassigned alert sent at"), null=True, blank=True, editable=False
    )
    # Qualification
    budget = models.CharField(_("budget"), max_length=200, blank=True)
    authority = models.CharField(_("authority"), max_length=200, blank=True)
    need = models.TextField(_("need"), blank=True)
    timeline = models.CharField(_("timeline"), max_length=16, choices=Timeline.choices, blank=True)
    qualification_answers = models.JSONField(_("qualification answers"), default=dict, blank=True)
    # Conversion
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        editable=False, verbose_name=_("converted by"),
    )  # fmt: skip
    converted_account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="converted_leads",
        editable=False, verbose_name=_("account"),
    )  # fmt: skip
    converted_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="converted_leads",
        editable=False, verbose_name=_("contact"),
    )  # fmt: skip
    converted_opportunity = models.ForeignKey(
        "opportunities.Opportunity", on_delete=models.PROTECT, null=True, blank=True,
        related_name="converted_leads", editable=False, verbose_name=_("opportunity"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = LeadManager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="leads_lead_score_range"),
            models.CheckConstraint(
                condition=~Q(status="unqualified") | ~Q(unqualified_reason=""),
                name="leads_lead_unqualified_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="converted") | Q(converted_at__isnull=False),
                name="leads_lead_converted_has_date",
            ),
        ]
        indexes = [
            # The list, newest first (keyset pagination on created_at, id).
            models.Index(fields=["tenant", "-created_at", "-id"], name="leads_lead_created_idx"),
            models.Index(fields=["tenant", "owner"], name="leads_lead_owner_idx"),
            models.Index(fields=["tenant", "territory"], name="leads_lead_territory_idx"),
            models.Index(fields=["tenant", "email"], name="leads_lead_email_idx"),
            models.Index(fields=["tenant", "id"], name="leads_lead_tenant_id_idx"),
            # The sweeps: open leads whose clock runs, and the queue.
            models.Index(
                fields=["tenant", "first_contact_due_at"],
                condition=Q(first_contacted_at__isnull=True, sla_escalated_at__isnull=True),
                name="leads_lead_sla_due_idx",
            ),
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(owner__isnull=True, unassigned_alerted_at__isnull=True),
                name="leads_lead_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.company_name})" if self.company_name else name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def sla_is_breached(self) -> bool:
        if self.first_contacted_at is not None or not self.is_open:
            return False
        if self.sla_breached_at is not None:
            return True
        return self.first_contact_due_at is not None and self.first_contact_due_at <= timezone.now()

    @property
    def bant_is_complete(self) -> bool:
        return all((self.budget, self.authority, self.need, self.timeline))


class LeadConsent(TenantOwnedModel):
    """A lead's answer for one purpose, with its proof; carried to the contact (accounts.Consent) on
    conversion."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="consents", verbose_name=_("lead"))
    purpose = models.CharField(_("purpose"), max_length=24)
    status = models.CharField(_("status"), max_length=16)
    recorded_at = models.DateTimeField(_("date"), default=timezone.now)
    source = models.CharField(_("source"), max_length=120)
    proof = models.TextField(_("proof"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lead consent")
        verbose_name_plural = _("lead consents")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "lead", "purpose"], name="leads_consent_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} · {self.purpose}: {self.status}"

    @property
    def purpose_label(self) -> str:
        """The purposes and answers are the contacts' (accounts.Consent), which they become."""
        from accounts.models import Consent

        return str(dict(Consent.Purpose.choices).get(self.purpose, self.purpose))

    @property
    def status_label(self) -> str:
        from accounts.models import Consent

        return str(dict(Consent.Status.choices).get(self.status, self.status))


class WebForm(TenantOwnedModel):
    """A public web-to-lead form: /forms/<tenant slug>/<key>/ (leads.public_views)."""

    class Field(models.TextChoices):
        SALUTATION = "salutation", _("salutation")
        FIRST_NAME = "first_name", _("first name")
        PHONE = "phone", _("phone")
        JOB_TITLE = "job_title", _("job title")
        COMPANY_NAME = "company_name", _("company")
        SIRET = "siret", _("SIRET")
        COUNTRY = "country", _("country")
        POSTAL_CODE = "postal_code", _("postal code")
        CITY = "city", _("city")
        MESSAGE = "message", _("message")

    name = models.CharField(_("name"), max_length=120)
    key = models.SlugField(_("form key"), max_length=40)
    is_active = models.BooleanField(_("active"), default=True)
    source = models.ForeignKey(
        LeadSource, on_delete=models.PROTECT, related_name="web_forms", verbose_name=_("source")
    )
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=2, blank=True, help_text=_("Empty: the visitor's browser language.")
    )
    fields = ArrayField(
        models.CharField(max_length=20, choices=Field.choices),
        default=list,
        blank=True,
        verbose_name=_("extra fields"),
        help_text=_("Last name and e-mail are always asked."),
    )
    required_fields = ArrayField(
        models.CharField(max_length=20, choices=Field.choices),
        default=list,
        blank=True,
        verbose_name=_("required extra fields"),
    )
    consent_purposes = ArrayField(
        models.CharField(max_length=24),
        default=list,
        blank=True,
        verbose_name=_("consents asked"),
        help_text=_("One checkbox per purpose, with its wording recorded as proof."),
    )
    thank_you_url = models.URLField(_("thank-you page"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="leads_webform_key_unique")]

    def __str__(self) -> str:
        return self.name
