"""A pair of records that look like duplicates, found by the nightly scan (accounts.dedup.scan).

Django finds the model through `accounts.models`, which imports it at its end (app_label "accounts").
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantOwnedModel


class DuplicateCandidate(TenantOwnedModel):
    """Two accounts or two contacts of one tenant, the lower id first, so that a pair has one row.

    The foreign keys are SET_NULL: when a record goes (a merge, a deletion) the decision taken on the
    pair stays readable; the scan resolves open pairs whose record is gone."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Account")
        CONTACT = "contact", _("Contact")

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        DISMISSED = "dismissed", _("Not a duplicate")
        MERGED = "merged", _("Merged")
        RESOLVED = "resolved", _("No longer a match")

    class Reason(models.TextChoices):
        # The same wording as the on-create detection (accounts.duplicates).
        SIREN = "siren", _("same SIREN")
        VAT_NUMBER = "vat", _("same VAT number")
        WEBSITE = "website", _("same website")
        NAME_POSTAL_CODE = "name_postcode", _("similar name in the same postal code")
        EMAIL = "email", _("same e-mail")
        PHONE = "phone", _("same phone number")
        NAME_ACCOUNT = "name_account", _("similar name at the same company")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    first_account = models.ForeignKey(
        "accounts.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    second_account = models.ForeignKey(
        "accounts.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    second_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    reasons = ArrayField(
        models.CharField(max_length=16, choices=Reason.choices), default=list, verbose_name=_("reasons")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    found_at = models.DateTimeField(_("found at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        app_label = "accounts"
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-score", "id"]
        constraints = [
            # One row per pair: the scan upserts on these (ON CONFLICT ... WHERE kind = ...).
            models.UniqueConstraint(
                fields=["tenant", "first_account", "second_account"],
                condition=Q(kind="account"),
                name="accounts_dupcandidate_account_pair",
            ),
            models.UniqueConstraint(
                fields=["tenant", "first_contact", "second_contact"],
                condition=Q(kind="contact"),
                name="accounts_dupcandidate_contact_pair",
            ),
            # A pair of the right kind, in order (a NULL left by a deleted record passes).
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="account",
                        first_contact__isnull=True,
                        second_contact__isnull=True,
                        first_account__lt=F("second_account"),
                    )
                    | Q(
                        kind="contact",
                        first_account__isnull=True,
                        second_account__isnull=True,
                        first_contact__lt=F("second_contact"),
                    )
                ),
                name="accounts_dupcandidate_ordered_pair",
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="accounts_dupcandidate_score_max"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "-score"], name="accounts_dupcand_queue_idx"),
            # SET_NULL on delete and the merge mover look candidates up by record.
            models.Index(fields=["tenant", "second_account"], name="accounts_dupcandidate_acc2_idx"),
            models.Index(fields=["tenant", "second_contact"], name="accounts_dupcandidate_con2_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.score})"

    @property
    def first(self) -> models.Model | None:
        return self.first_account if self.kind == self.Kind.ACCOUNT else self.first_contact

    @property
    def second(self) -> models.Model | None:
        return self.second_account if self.kind == self.Kind.ACCOUNT else self.second_contact

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(self.Reason.choices)
        return [str(labels.get(code, code)) for code in self.reasons]


class DuplicateRules(TenantOwnedModel):
    """A tenant's duplicate rules (spec 4.2.1 "rules per tenant"): which reasons count, and how close two
    names must be. One row per tenant, edited in the tenant admin; without one, every rule is on and
    names must be 60 % similar. The create and edit pages, the imports and the nightly scan all read
    these through `accounts.dedup.rules.duplicate_rules()`."""

    account_same_siren = models.BooleanField(_("accounts: same SIREN or SIRET"), default=True)
    account_same_vat = models.BooleanField(_("accounts: same VAT number"), default=True)
    account_same_website = models.BooleanField(_("accounts: same website domain"), default=True)
    account_similar_name = models.BooleanField(
        _("accounts: similar name in the same postal code"), default=True
    )
    contact_same_email = models.BooleanField(_("contacts: same e-mail"), default=True)
    contact_same_phone = models.BooleanField(_("contacts: same phone number"), default=True)
    contact_similar_name = models.BooleanField(_("contacts: similar name at the same company"), default=True)
    name_similarity = models.DecimalField(
        _("name similarity"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=[MinValueValidator(Decimal("0.30")), MaxValueValidator(Decimal("0.95"))],
        help_text=_(
            "From 0.30 (loose: more pairs, more false alarms) to 0.95 (strict: nearly identical names)."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("duplicate rules")
        verbose_name_plural = _("duplicate rules")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="accounts_duprules_one_per_tenant")]

    def __str__(self) -> str:
        return str(_("Duplicate rules"))
