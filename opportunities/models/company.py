"""The tenant's own legal identity, printed on its quotes (and later its invoices): the mentions a
French B2B document must carry (Code de commerce R123-237, CGI art. 242 nonies A)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantOwnedModel


def logo_path(instance: CompanyProfile, filename: str) -> str:
    # Under the tenant's own folder: one tenant's files never sit beside another's under a guessable name.
    return f"tenants/{instance.tenant_id}/logo/{filename}"


class CompanyProfile(TenantOwnedModel):
    """One row per tenant: the seller on its quotes."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    legal_form = models.CharField(
        _("legal form"), max_length=40, blank=True, help_text=_("e.g. SAS, SARL, SA")
    )
    share_capital = models.DecimalField(
        _("share capital"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{14}$", _("A SIRET has 14 digits."))],
    )
    vat_number = models.CharField(_("intra-community VAT number"), max_length=20, blank=True)
    rcs_city = models.CharField(_("RCS registry city"), max_length=80, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    default_payment_terms = models.CharField(
        _("default payment terms"), max_length=200, blank=True, help_text=_("e.g. 30 days from invoice date")
    )
    default_validity_days = models.PositiveSmallIntegerField(_("default quote validity (days)"), default=30)
    late_payment_rate = models.CharField(
        _("late-payment interest"),
        max_length=200,
        blank=True,
        help_text=_("Empty: three times the legal interest rate."),
    )
    bank_name = models.CharField(_("bank"), max_length=120, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company profile")
        verbose_name_plural = _("company profile")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="opportunities_companyprofile_unique")]

    def __str__(self) -> str:
        return self.legal_name
