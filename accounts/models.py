"""Customer companies (accounts) and the people who work there (contacts): spec 2.1.1 and 2.1.2."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import CurrentTenantId, Membership, TenantManager, TenantOwnedModel
from governance.visibility import visibility_predicate

# A website's host, lower-case, without "www." (as accounts.duplicates.website_domain and the duplicate
# scan read it): "https://www.Eaux-Leman.fr/contact" -> "eaux-leman.fr". Immutable functions only, as a
# generated column needs.
WEBSITE_DOMAIN_SQL = (
    "COALESCE(regexp_replace(substring(lower(%(expressions)s) FROM "
    "'^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)'), '^www[.]', ''), '')"
)


class Segment(TenantOwnedModel):
    """The tenant's own list of segments (e.g. SMB, mid-market, key accounts)."""

    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="accounts_segment_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class AccountQuerySet(models.QuerySet["Account"]):
    def visible_to(self, membership: Membership) -> AccountQuerySet:
        return self.filter(
            visibility_predicate(membership, territory_field="territory", model_label="accounts.account")
        )


AccountManager = TenantManager.from_queryset(AccountQuerySet)


class Account(TenantOwnedModel):
    class LegalForm(models.TextChoices):
        SAS = "SAS", "SAS"
        SASU = "SASU", "SASU"
        SARL = "SARL", "SARL"
        EURL = "EURL", "EURL"
        SA = "SA", "SA"
        SCI = "SCI", "SCI"
        SNC = "SNC", "SNC"
        SCOP = "SCOP", "SCOP"
        SCA = "SCA", "SCA"
        SCM = "SCM", "SCM"
        SELARL = "SELARL", "SELARL"
        SELAS = "SELAS", "SELAS"
        GIE = "GIE", "GIE"
        SOLE_PROPRIETOR = "EI", _("Sole proprietorship (EI)")
        ASSOCIATION = "association", _("Association (loi 1901)")
        SOLE_TRADER = "auto_entrepreneur", _("Sole trader (micro-entrepreneur)")
        PUBLIC_BODY = "public", _("Public body")
        OTHER = "other", _("Other (foreign form)")

    class Type(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        CUSTOMER = "customer", _("Customer")
        PARTNER = "partner", _("Partner")
        SUPPLIER = "supplier", _("Supplier")

    class RevenueBand(models.TextChoices):
        UNDER_2M = "lt2m", _("Under €2M")
        FROM_2_TO_10M = "2m-10m", _("€2M to €10M")
        FROM_10_TO_50M = "10m-50m", _("€10M to €50M")
        FROM_50_TO_250M = "50m-250m", _("€50M to €250M")
        OVER_250M = "gt250m", _("Over €250M")

    class HeadcountBand(models.TextChoices):
        MICRO = "1-9", _("1 to 9")
        SMALL = "10-49", _("10 to 49")
        MEDIUM = "50-249", _("50 to 249")
        INTERMEDIATE = "250-4999", _("250 to 4,999")
        LARGE = "5000+", _("5,000 and more")

    class Origin(models.TextChoices):
        PROSPECTING = "prospecting", _("Prospecting")
        TRADE_SHOW = "trade_show", _("Trade show")
        INBOUND = "inbound", _("Inbound")
        REFERRAL = "referral", _("Referral")
        PARTNER = "partner", _("Partner")
        OTHER = "other", _("Other")

    class RelationshipStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        AT_RISK = "at_risk", _("At risk")
        INACTIVE = "inactive", _("Inactive")

    # Identification
    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, help_text=_("14 digits; the SIREN follows.")
    )
    vat_number = models.CharField(_("intra-community VAT number"), max_length=20, blank=True)
    naf_code = models.CharField(_("NAF/APE code"), max_length=6, blank=True)
    naf_version = models.CharField(_("NAF nomenclature"), max_length=16, blank=True)
    naics_code = models.CharField(_("NAICS code"), max_length=6, blank=True)
    website = models.URLField(_("website"), blank=True)
    # The website's host, lower-case, without "www." (accounts.duplicates.website_domain): computed by
    # PostgreSQL from `website` whatever writes it, and indexed, for the likely-duplicates check.
    website_domain = models.GeneratedField(
        expression=Func(F("website"), template=WEBSITE_DOMAIN_SQL, output_field=models.CharField()),
        output_field=models.CharField(max_length=255),
        db_persist=True,
    )
    # Classification
    account_type = models.CharField(_("type"), max_length=16, choices=Type.choices, default=Type.PROSPECT)
    revenue_band = models.CharField(_("revenue band"), max_length=16, choices=RevenueBand.choices, blank=True)
    headcount_band = models.CharField(
        _("headcount band"), max_length=16, choices=HeadcountBand.choices, blank=True
    )
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("segment"),
    )
    territory = models.ForeignKey(
        "governance.Territory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("territory"),
    )
    territory_set_by_hand = models.BooleanField(
        _("territory set by hand"),
        default=False,
        help_text=_("When set, the territory rules leave it alone."),
    )
    # Relations
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_accounts",
        verbose_name=_("account owner"),
    )
    partner = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referred_accounts",
        verbose_name=_("associated partner"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent company"),
    )
    # Business tracking
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    customer_revenue = models.DecimalField(
        _("customer revenue"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    estimated_potential = models.DecimalField(
        _("estimated potential"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    last_purchase_date = models.DateField(_("last purchase"), null=True, blank=True)
    relationship_status_override = models.CharField(
        _("relationship status (set by hand)"), max_length=16, choices=RelationshipStatus.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # Latest done activity with the account or one of its contacts (kept by the activities app).
    last_contacted_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AccountManager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["updated_at", "website_domain", "last_contacted_at"])

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "siret"], condition=~Q(siret=""), name="accounts_account_siret_unique"
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="accounts_account_not_own_parent"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "owner"], name="accounts_account_owner_idx"),
            models.Index(fields=["tenant", "parent"], name="accounts_account_parent_idx"),
            models.Index(fields=["tenant", "siren"], name="accounts_account_siren_idx"),
            models.Index(fields=["tenant", "territory"], name="accounts_account_territory_idx"),
            models.Index(fields=["tenant", "legal_name", "id"], name="accounts_account_name_idx"),
            # The API's pages (newest id first) within one tenant.
            models.Index(fields=["tenant", "id"], name="accounts_account_tenant_id_idx"),
            # The likely-duplicates checks (accounts.duplicates), one index each.
            models.Index(
                fields=["tenant", "vat_number"], condition=~Q(vat_number=""), name="accounts_account_vat_idx"
            ),
            models.Index(
                fields=["tenant", "website_domain"],
                condition=~Q(website_domain=""),
                name="accounts_account_domain_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.trade_name or self.legal_name

    @property
    def relationship_status(self) -> str:
        """The documented rule: a customer who bought in the last 12 months is active, 12 to 24 months
        ago at risk, earlier (or never) inactive; anyone else is inactive. A status set by hand wins."""
        if self.relationship_status_override:
            return self.relationship_status_override
        return relationship_status_for(self.account_type, self.last_purchase_date, timezone.localdate())


def relationship_status_for(account_type: str, last_purchase: date | None, today: date) -> str:
    if account_type != Account.Type.CUSTOMER or last_purchase is None:
        return Account.RelationshipStatus.INACTIVE
    age = today - last_purchase
    if age <= timedelta(days=365):
        return Account.RelationshipStatus.ACTIVE
    if age <= timedelta(days=730):
        return Account.RelationshipStatus.AT_RISK
    return Account.RelationshipStatus.INACTIVE


class Address(TenantOwnedModel):
    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        BILLING = "billing", _("Billing")
        SITE = "site", _("Other site")

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SITE)
    label = models.CharField(_("label"), max_length=120, blank=True)
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=120)
    country = models.CharField(_("country"), max_length=2, default="FR")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["kind", "city"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account"],
                condition=Q(kind="head_office"),
                name="accounts_address_one_head_office",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "account"], name="accounts_address_account_idx"),
            # The head offices of a postal code (likely duplicates: a similar name in the same one).
            models.Index(
                fields=["tenant", "postal_code", "account"],
                condition=Q(kind="head_office"),
                name="accounts_address_postal_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line1}, {self.postal_code} {self.city}"


class ContactQuerySet(models.QuerySet["Contact"]):
    def visible_to(self, membership: Membership) -> ContactQuerySet:
        """Contacts inherit their visibility from their primary account. A member who sees every account
        sees every contact: no sub-query then (a semi-join over a million accounts took seconds)."""
        predicate = visibility_predicate(
            membership, territory_field="territory", model_label="accounts.account"
        )
        # The account's tenant, given as a value: row-level security compares accounts_account.tenant_id
        # with a setting PostgreSQL cannot read when planning, so it guessed a tenant holds 1/1,000 of
        # the accounts and joined from them; the first page of a million-account tenant's contacts
        # took 9 s instead of 2 ms.
        visible = self.filter(account__tenant_id=CurrentTenantId())
        if not predicate:
            return visible
        return visible.filter(account__in=Account.objects.filter(predicate).values("pk"))


ContactManager = TenantManager.from_queryset(ContactQuerySet)


class Contact(TenantOwnedModel):
    class Salutation(models.TextChoices):
        MADAME = "mme", _("Ms")
        MONSIEUR = "m", _("Mr")
        NONE = "", _("(none)")

    class RelationshipStatus(models.TextChoices):
        COLD_LEAD = "cold_lead", _("Cold lead")
        HOT_LEAD = "hot_lead", _("Hot lead")
        CUSTOMER = "customer", _("Customer")
        FORMER_CUSTOMER = "former_customer", _("Former customer")
        AMBASSADOR = "ambassador", _("Ambassador")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        SMS = "sms", _("SMS")
        MEETING = "meeting", _("Meeting")
        POST = "post", _("Post")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    salutation = models.CharField(_("salutation"), max_length=4, choices=Salutation.choices, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    department = models.CharField(_("department"), max_length=150, blank=True)
    team = models.CharField(
        _("team"),
        max_length=150,
        blank=True,
        help_text=_("Their team at their company (e.g. Purchasing Europe)."),
    )
    phone = models.CharField(_("direct phone"), max_length=20, blank=True, help_text=_("Stored in E.164."))
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, help_text=_("Stored in E.164."))
    email = models.EmailField(_("work email"), blank=True)
    language = models.CharField(_("language"), max_length=2, default="fr")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("company")
    )
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("manager"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_contacts",
        verbose_name=_("owner"),
    )
    topics = ArrayField(models.CharField(max_length=60), default=list, blank=True, verbose_name=_("topics"))
    products_of_interest = ArrayField(
        models.CharField(max_length=60), default=list, blank=True, verbose_name=_("products of interest")
    )
    preferred_channels = ArrayField(
        models.CharField(max_length=16, choices=Channel.choices),
        default=list,
        blank=True,
        verbose_name=_("preferred channels"),
    )
    contact_frequency = models.CharField(
        _("desired contact frequency"), max_length=16, choices=Frequency.choices, blank=True
    )
    relationship_status = models.CharField(
        _("relationship status"),
        max_length=16,
        choices=RelationshipStatus.choices,
        default=RelationshipStatus.COLD_LEAD,
    )
    do_not_call = models.BooleanField(_("do not call"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_contacted_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ContactManager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["updated_at", "last_contacted_at"])

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["tenant", "account"], name="accounts_contact_account_idx"),
            models.Index(fields=["tenant", "email"], name="accounts_contact_email_idx"),
            models.Index(fields=["tenant", "id"], name="accounts_contact_tenant_id_idx"),
            models.Index(
                fields=["tenant", "last_name", "first_name", "id"], name="accounts_contact_name_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Affiliation(TenantOwnedModel):
    """A contact's secondary link to another account, with their role there."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="affiliations")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="affiliations")
    role = models.CharField(_("role at this company"), max_length=150, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "contact", "account"], name="accounts_affiliation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.account}"


class Consent(TenantOwnedModel):
    """One record per contact and purpose. Its history is every change, with source and proof."""

    class Purpose(models.TextChoices):
        MARKETING_EMAIL = "marketing_email", _("Marketing email")
        PHONE_PROSPECTING = "phone_prospecting", _("Phone prospecting")
        SMS = "sms", _("SMS")
        PROFILING = "profiling", _("Profiling")

    class Status(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="consents", verbose_name=_("contact")
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    recorded_at = models.DateTimeField(_("date"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=120, help_text=_("Where the person said so: form, call, event...")
    )
    proof = models.TextField(
        _("proof"), blank=True, help_text=_("What shows it: form id, IP address, document.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contact", "purpose"], name="accounts_consent_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.get_purpose_display()}: {self.get_status_display()}"

    @property
    def allows_contact(self) -> bool:
        return self.status == self.Status.GRANTED


def consolidated_figures(account: Account, *, membership: Membership | None = None) -> dict[str, Any]:
    """Revenue and potential of the account and its subsidiaries at any depth (two queries). Given a
    membership, only the companies that member may see count: nothing hidden leaks through a sum."""
    from django.db import connection
    from django.db.models import Count, Sum

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE tree(id) AS (
                SELECT %s::bigint
              UNION
                SELECT a.id FROM accounts_account a JOIN tree t ON a.parent_id = t.id
            )
            SELECT id FROM tree
            """,
            [account.pk],
        )
        ids = [row[0] for row in cursor.fetchall()]
    companies = Account.objects.filter(pk__in=ids)
    if membership is not None:
        companies = companies.visible_to(membership)  # type: ignore[attr-defined]
    sums = companies.aggregate(
        subsidiaries=Count("pk", filter=~Q(pk=account.pk)),
        revenue=Sum("customer_revenue"),
        potential=Sum("estimated_potential"),
    )
    return {
        "subsidiaries": sums["subsidiaries"],
        "revenue": sums["revenue"] or Decimal("0"),
        "potential": sums["potential"] or Decimal("0"),
    }


class TerritoryRule(TenantOwnedModel):
    """Places accounts in a territory by the country and postal code of their head office, and their
    segment. The most specific matching rule wins (longest postal-code prefix, then a segment)."""

    territory = models.ForeignKey(
        "governance.Territory",
        on_delete=models.CASCADE,
        related_name="account_rules",
        verbose_name=_("territory"),
    )
    country = models.CharField(_("country"), max_length=2, default="FR")
    postal_code_prefix = models.CharField(_("postal code prefix"), max_length=10, blank=True)
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("segment")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("territory rule")
        verbose_name_plural = _("territory rules")
        ordering = ["country", "-postal_code_prefix"]

    def __str__(self) -> str:
        return f"{self.country} {self.postal_code_prefix or '*'} → {self.territory}"


# Import jobs live in accounts.imports; Django finds an app's models through this module.
from accounts.dedup.models import DuplicateCandidate  # noqa: E402, F401
from accounts.imports.models import ImportJob, ImportMapping  # noqa: E402, F401
from accounts.shares.models import AccountTeamShare, AccountUserShare  # noqa: E402, F401
