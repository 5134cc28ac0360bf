"""Conversion: lead -> account (new, or one found by the duplicate rules) + contact (new, or the known
or duplicate-matched one) + optionally an opportunity, in one transaction. The lead keeps its source,
UTM and history and points at what it became; the account and contact point back (`converted_leads`).
Consents go to the contact as accounts.Consent with their proof. Twice is impossible: the lead's row
is locked and its status checked inside the transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.duplicates import Duplicate, account_duplicates, contact_duplicates
from accounts.models import Account, Consent, Contact
from accounts.services import account_create, consent_record, contact_create
from crm.models import User
from governance import search
from leads import prerequisites
from leads.models import Lead
from leads.services.config import lead_settings
from leads.services.records import _set_history
from opportunities.models import Opportunity
from opportunities.services import opportunity_create

# An opportunity created at conversion closes, unless told otherwise, this many days later.
DEFAULT_CLOSE_IN_DAYS = 90

# The account's origin, from the lead's source (accounts.Account.Origin).
_ORIGIN_OF_SOURCE = {"referral": "referral", "partner": "partner", "event": "trade_show"}


@dataclass
class Conversion:
    lead: Lead
    account: Account
    contact: Contact
    account_created: bool
    contact_created: bool
    opportunity: Any = None
    warnings: list[str] = field(default_factory=list)


def conversion_account_candidates(lead: Lead) -> list[Duplicate]:
    """Accounts the duplicate rules find for the lead's company (strongest first)."""
    if not (lead.company_name or lead.siret):
        return []
    siren = lead.siret[:9] if lead.siret else ""
    return account_duplicates(
        {
            "legal_name": lead.company_name,
            "siret": lead.siret,
            "siren": siren,
            "postal_code": lead.postal_code,
        }
    )


def conversion_contact_candidates(lead: Lead) -> list[Duplicate]:
    """Contacts the duplicate rules find for the lead's person (same e-mail or phone)."""
    return contact_duplicates({"email": lead.email, "phone": lead.phone})


def conversion_missing(lead: Lead) -> list[prerequisites.Prerequisite]:
    return prerequisites.missing(lead, list(lead_settings().conversion_prerequisites))


def _lead_reason(lead: Lead) -> str:
    """Short: the history's change reason holds 100 characters."""
    return _("converted lead %(id)s") % {"id": lead.pk}


def _account_for(
    lead: Lead, *, actor: User, account: Account | None, new_account: bool
) -> tuple[Account, bool]:
    if account is not None:
        return account, False
    if not new_account:
        if lead.known_contact_id is not None:
            return lead.known_contact.account, False  # type: ignore[union-attr]
        candidates = conversion_account_candidates(lead)
        if candidates:
            return candidates[0].record, False
    source_code = lead.source.code if lead.source is not None else ""
    data: dict[str, Any] = {
        "legal_name": lead.company_name or str(lead),
        "siret": lead.siret,
        "segment": lead.segment,
        "partner": lead.partner,
        "origin": _ORIGIN_OF_SOURCE.get(source_code, "inbound"),
        "owner": lead.owner or actor,
    }
    outcome = account_create(
        tenant=lead.tenant,
        actor=actor,
        data=data,
        duplicate_reason=_lead_reason(lead) if new_account else "",
        reason="" if new_account else _lead_reason(lead),
    )
    return outcome.record, True


def _contact_for(
    lead: Lead, *, actor: User, account: Account, contact: Contact | None, new_contact: bool
) -> tuple[Contact, bool]:
    if contact is not None:
        return contact, False
    if not new_contact:
        if lead.known_contact_id is not None:
            return lead.known_contact, False  # type: ignore[return-value]
        matched = [
            item.record
            for item in conversion_contact_candidates(lead)
            if item.record.account_id == account.pk
        ]
        if matched:
            return matched[0], False
    if not lead.first_name:
        raise ValidationError({"first_name": _("The contact needs a first name: add it to the lead first.")})
    data = {
        "salutation": lead.salutation if lead.salutation in Contact.Salutation.values else "",
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "phone": lead.phone,
        "job_title": lead.job_title,
        "language": lead.language,
        "account": account,
        "owner": lead.owner or actor,
        "relationship_status": Contact.RelationshipStatus.HOT_LEAD,
    }
    outcome = contact_create(
        tenant=lead.tenant,
        actor=actor,
        data=data,
        duplicate_reason=_lead_reason(lead),
    )
    return outcome.record, True


def _opportunity_for(
    lead: Lead, *, actor: User, account: Account, contact: Contact, data: dict[str, Any]
) -> Opportunity:
    """Through opportunities.services (its rules: pipeline, first stage, required fields). A new
    account is a new customer; an existing one, an upsell unless told."""
    sale_type = data.get("sale_type") or (
        Opportunity.SaleType.NEW_CUSTOMER
        if account.account_type == Account.Type.PROSPECT
        else Opportunity.SaleType.UPSELL
    )
    product = lead.product_of_interest
    name = data.get("name") or " · ".join(
        str(part) for part in (account, product.name if product else "") if part
    )
    return opportunity_create(
        tenant=lead.tenant,
        actor=actor,
        account=account,
        name=name,
        expected_close_date=data.get("expected_close_date")
        or timezone.localdate() + timedelta(days=DEFAULT_CLOSE_IN_DAYS),
        owner=lead.owner or actor,
        amount=data.get("amount"),
        primary_contact=contact,
        sale_type=sale_type,
        reason=_lead_reason(lead),
    )


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    actor: User,
    account: Account | None = None,
    contact: Contact | None = None,
    new_account: bool = False,
    new_contact: bool = False,
    create_opportunity: bool = False,
    opportunity_data: dict[str, Any] | None = None,
) -> Conversion:
    """Convert the lead. `account`/`contact` chosen by the user win; otherwise the known contact, then
    the strongest duplicate found, then new records (`new_account`/`new_contact` force new ones).
    Refuses with the list of the tenant's prerequisites the lead does not meet."""
    current = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("source", "known_contact__account")
        .get(pk=lead.pk)
    )
    if current.status == Lead.Status.CONVERTED:
        raise ValidationError(_("This lead is already converted."), code="already_converted")
    if current.status == Lead.Status.UNQUALIFIED:
        raise ValidationError(_("An unqualified lead cannot be converted."), code="unqualified")
    missing = conversion_missing(current)
    if missing:
        raise ValidationError(
            _("Before converting: %(missing)s.")
            % {"missing": "; ".join(str(item.label) for item in missing)},
            code="prerequisites",
        )
    if account is not None and contact is not None and contact.account_id != account.pk:
        raise ValidationError(
            {"contact": _("This contact works at another company than the account chosen.")}
        )
    chosen_account, account_created = _account_for(
        current, actor=actor, account=account, new_account=new_account
    )
    chosen_contact, contact_created = _contact_for(
        current, actor=actor, account=chosen_account, contact=contact, new_contact=new_contact
    )
    for answer in current.consents.all():
        if answer.purpose in Consent.Purpose.values and answer.status in Consent.Status.values:
            consent_record(
                contact=chosen_contact,
                purpose=answer.purpose,
                status=answer.status,
                source=answer.source,
                proof=answer.proof,
                actor=actor,
            )
    opportunity = None
    if create_opportunity:
        opportunity = _opportunity_for(
            current, actor=actor, account=chosen_account, contact=chosen_contact, data=opportunity_data or {}
        )
    now = timezone.now()
    current.status = Lead.Status.CONVERTED
    current.converted_at, current.converted_by = now, actor
    current.converted_account, current.converted_contact = chosen_account, chosen_contact
    current.converted_opportunity = opportunity
    current.version = F("version") + 1  # type: ignore[assignment]
    _set_history(current, actor=actor, reason=_("Converted"))
    current.save()
    current.refresh_from_db()
    search.index(current)
    return Conversion(current, chosen_account, chosen_contact, account_created, contact_created, opportunity)
