"""Editing an opportunity outside stage moves: its fields, contact roles, competitors and products,
and deleting it. The stage never changes here: a move (and a reopening of a closed opportunity) goes
through `opportunity_move_stage`, which writes the stage history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Contact
from accounts.services import StaleVersion
from crm.models import Tenant, User
from governance import search
from governance.field_policies import locked_fields
from opportunities.models import (
    Competitor,
    Opportunity,
    OpportunityContactRole,
    OpportunityProduct,
    Product,
)
from opportunities.services.links import competitors_set

# What opportunity_update writes from the caller's data; "competitors" is handled apart (many to many).
OPPORTUNITY_FIELDS = (
    "name",
    "account",
    "primary_contact",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "expected_signature_date",
    "loss_reason",
    "loss_comment",
    "budget_type",
    "sale_type",
    "description",
    "owner",
)


def _stale() -> StaleVersion:
    return StaleVersion(
        _("Someone else changed this opportunity since you opened it. Reload it to see their changes.")
    )


def _refuse_locked_fields(role: str | None, data: dict[str, Any], current: Opportunity) -> None:
    if role is None:
        return
    refused = {
        name
        for name in locked_fields(role, Opportunity)
        if name in data and data[name] != getattr(current, name)
    }
    if refused:
        raise ValidationError({name: _("Your role may not change this field.") for name in sorted(refused)})


# ISO 4217 codes an opportunity may be priced in: the tenants' own currencies and those French
# companies commonly quote in abroad (no exchange rates are kept: totals are per currency).
CURRENCIES = sorted(
    {
        *Tenant.Currency.values,
        "USD",
        "CAD",
        "JPY",
        "AUD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "MAD",
        "XOF",
        "XPF",
        "CNY",
    }
)


def check_currency(currency: str) -> None:
    if currency not in CURRENCIES:
        raise ValidationError({"currency": _("Unknown currency: %(code)s.") % {"code": currency}})


def check_primary_contact(opportunity: Opportunity) -> None:
    contact = opportunity.primary_contact
    if contact is not None and contact.account_id != opportunity.account_id:
        raise ValidationError({"primary_contact": _("The primary contact must work at the account.")})


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    actor: User | None,
    data: dict[str, Any],
    expected_version: int | None = None,
    role: str | None = None,
    reason: str = "",
) -> Opportunity:
    """Apply `data` (only the fields it holds, among OPPORTUNITY_FIELDS and "competitors").

    `expected_version` refuses to overwrite a newer edit (StaleVersion); `role` applies the field
    policies. A probability different from the stage's default is marked as set by hand; giving
    `probability=None` puts the stage's default back."""
    current = Opportunity.objects.select_for_update().select_related("stage").get(pk=opportunity.pk)
    if expected_version is not None and current.version != expected_version:
        raise _stale()
    unknown = set(data) - {*OPPORTUNITY_FIELDS, "competitors"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    _refuse_locked_fields(role, data, current)
    if "expected_close_date" in data and data["expected_close_date"] != current.expected_close_date:
        current.close_date_alerted_at = None  # a new close date gets its own alert
    for name in OPPORTUNITY_FIELDS:
        if name in data and name != "probability":
            setattr(current, name, data[name])
    if "probability" in data:
        probability = data["probability"]
        current.probability = current.stage.probability if probability is None else probability
        current.probability_overridden = current.probability != current.stage.probability
    check_currency(current.currency)
    check_primary_contact(current)
    if current.stage.outcome == current.stage.Outcome.LOST and current.loss_reason_id is None:
        raise ValidationError({"loss_reason": _("A lost opportunity needs its loss reason.")})
    current.full_clean(exclude=["tenant"])
    current.version = F("version") + 1  # type: ignore[assignment]
    current._history_user = actor  # type: ignore[attr-defined]
    if reason:
        current._change_reason = reason  # type: ignore[attr-defined]
    current.save()
    if "competitors" in data:
        competitors = list(data["competitors"])
        if any(competitor.tenant_id != current.tenant_id for competitor in competitors):
            raise ValidationError({"competitors": _("Unknown competitor.")})
        competitors_set(current, competitors, actor=actor)
    current.refresh_from_db()
    search.index(current)
    return current


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, actor: User | None, expected_version: int | None) -> None:
    """Delete the opportunity with its contact roles, products and stage history (its own history keeps
    its last state, with the acting user). Refused when it changed since the confirmation page."""
    current = Opportunity.objects.select_for_update().filter(pk=opportunity.pk).first()
    if current is None:
        raise ValidationError(_("This opportunity no longer exists."))
    if expected_version is None or current.version != expected_version:
        raise _stale()
    current._history_user = actor  # type: ignore[attr-defined]
    search.unindex(current)
    current.delete()


def _bump(opportunity: Opportunity, actor: User | None) -> None:
    """A change of a related row is a change of the opportunity: its version moves (stale forms see it)."""
    Opportunity.objects.filter(pk=opportunity.pk).update(version=F("version") + 1)


@transaction.atomic
def opportunity_contact_role_set(
    *, opportunity: Opportunity, contact: Contact, role: str, actor: User | None
) -> OpportunityContactRole:
    """Give `contact` (who must work at the opportunity's account) a role in the buying decision."""
    if contact.account_id != opportunity.account_id:
        raise ValidationError({"contact": _("The contact must work at the opportunity's account.")})
    if role not in OpportunityContactRole.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    row = OpportunityContactRole.objects.filter(opportunity=opportunity, contact=contact).first()
    if row is None:
        row = OpportunityContactRole(
            tenant_id=opportunity.tenant_id, opportunity=opportunity, contact=contact, role=role
        )
    row.role = role
    row._history_user = actor  # type: ignore[union-attr]
    row.save()
    _bump(opportunity, actor)
    return row


@transaction.atomic
def opportunity_contact_role_remove(
    *, opportunity: Opportunity, contact_role_id: int, actor: User | None
) -> None:
    row = OpportunityContactRole.objects.filter(opportunity=opportunity, pk=contact_role_id).first()
    if row is None:
        raise ValidationError(_("This contact role no longer exists."))
    row._history_user = actor  # type: ignore[attr-defined]
    row.delete()
    _bump(opportunity, actor)


@transaction.atomic
def opportunity_product_set(
    *,
    opportunity: Opportunity,
    product: Product,
    quantity: Decimal,
    unit_price: Decimal | None,
    actor: User | None,
) -> OpportunityProduct:
    """Add a product of the catalogue to the opportunity, or change its quantity and price."""
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": _("The quantity must be more than zero.")})
    if unit_price is not None and unit_price < 0:
        raise ValidationError({"unit_price": _("The price cannot be negative.")})
    row = OpportunityProduct.objects.filter(opportunity=opportunity, product=product).first()
    if row is None:
        row = OpportunityProduct(tenant_id=opportunity.tenant_id, opportunity=opportunity, product=product)
    row.quantity = quantity
    row.unit_price = unit_price
    row._history_user = actor  # type: ignore[union-attr]
    row.full_clean(exclude=["tenant", "opportunity", "product"])
    row.save()
    _bump(opportunity, actor)
    return row


@transaction.atomic
def opportunity_product_remove(*, opportunity: Opportunity, product_row_id: int, actor: User | None) -> None:
    row = OpportunityProduct.objects.filter(opportunity=opportunity, pk=product_row_id).first()
    if row is None:
        raise ValidationError(_("This product is no longer on the opportunity."))
    row._history_user = actor  # type: ignore[attr-defined]
    row.delete()
    _bump(opportunity, actor)


def competitor_choices() -> Any:
    return Competitor.objects.filter(is_active=True)
