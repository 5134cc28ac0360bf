"""Opportunities and their moves between stages, with the immutable stage history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Contact
from accounts.services import StaleVersion
from crm.models import Tenant, User
from governance import search
from opportunities.models import Opportunity, Pipeline, Stage, StageChange
from opportunities.services.defaults import pipeline_defaults_ensure
from opportunities.services.editing import check_currency
from opportunities.services.links import competitors_set


class MissingRequiredFields(ValidationError):
    """The stage asks for fields the opportunity does not have yet. `fields` names them, so a page
    can open a small form with just those fields instead of moving the card."""

    def __init__(self, stage: Stage, fields: list[str]) -> None:
        self.stage = stage
        self.fields = fields
        labels = ", ".join(field_label(name) for name in fields)
        super().__init__(
            _("To enter “%(stage)s”, fill in: %(fields)s.") % {"stage": stage.name, "fields": labels},
            code="missing_required_fields",
        )


def _field(name: str) -> Field[Any, Any]:
    field = Opportunity._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def field_label(name: str) -> str:
    return str(_field(name).verbose_name)


def _is_empty(opportunity: Opportunity, name: str) -> bool:
    field = _field(name)
    if field.many_to_many:
        return opportunity.pk is None or not getattr(opportunity, name).exists()
    value = getattr(opportunity, field.attname)
    return value is None or value == ""


# Fields a stage may require: the opportunity's own editable fields, not its bookkeeping.
NOT_REQUIRABLE = {"id", "tenant", "pipeline", "stage", "version", "probability_overridden", "account", "name"}


def requirable_fields() -> list[tuple[str, str]]:
    """(name, label) of the fields a stage may ask for before an opportunity enters it."""
    return [
        (field.name, str(field.verbose_name))
        for field in Opportunity._meta.get_fields()
        if isinstance(field, Field)
        and field.editable
        and not field.auto_created
        and field.name not in NOT_REQUIRABLE
        and (field.null or field.blank or field.many_to_many)
    ]


def stage_required_fields_check(names: list[str]) -> None:
    """Refuse names that are not fields an opportunity may lack (a typo would block every move)."""
    known = {name for name, _label in requirable_fields()}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValidationError(
            {"required_fields": _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)}}
        )


def required_fields_of(stage: Stage) -> list[str]:
    """The stage's required fields; a lost stage always asks for the loss reason, whatever its
    configuration says (the specification: "required when lost")."""
    names = list(stage.required_fields)
    if stage.outcome == Stage.Outcome.LOST and "loss_reason" not in names:
        names.append("loss_reason")
    return names


def missing_fields_for(opportunity: Opportunity, stage: Stage) -> list[str]:
    return [name for name in required_fields_of(stage) if _is_empty(opportunity, name)]


def _record_change(
    opportunity: Opportunity, *, from_stage: Stage | None, actor: User | None, at: Any
) -> StageChange:
    return StageChange.objects.create(
        tenant_id=opportunity.tenant_id,
        opportunity=opportunity,
        pipeline_id=opportunity.pipeline_id,
        from_stage=from_stage,
        to_stage=opportunity.stage,
        changed_at=at,
        changed_by=actor,
        amount=opportunity.amount,
        currency=opportunity.currency,
        probability=opportunity.probability,
    )


@transaction.atomic
def opportunity_create(
    *,
    tenant: Tenant,
    actor: User | None,
    account: Account,
    name: str,
    expected_close_date: date,
    owner: User | None = None,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    probability: int | None = None,
    primary_contact: Contact | None = None,
    reason: str = "",
    **fields: Any,
) -> Opportunity:
    """Create an opportunity in the first stage of its pipeline (the tenant's default one unless
    given), with the stage's probability unless one is given (then marked as set by hand), and its
    first stage-history row. The stage's required fields apply at creation too."""
    pipeline = pipeline or pipeline_defaults_ensure(tenant=tenant)
    if stage is None:
        stage = pipeline.stages.filter(is_active=True).order_by("position", "id").first()
        if stage is None:
            raise ValidationError({"pipeline": _("This pipeline has no stage.")})
    elif stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": _("This stage belongs to another pipeline.")})
    if primary_contact is not None and primary_contact.account_id != account.pk:
        raise ValidationError({"primary_contact": _("The primary contact must work at the account.")})
    if currency:
        check_currency(currency)
    opportunity = Opportunity(
        tenant=tenant,
        name=name,
        account=account,
        primary_contact=primary_contact,
        pipeline=pipeline,
        stage=stage,
        amount=amount,
        currency=currency or account.currency or tenant.currency,
        probability=stage.probability if probability is None else probability,
        probability_overridden=probability is not None and probability != stage.probability,
        expected_close_date=expected_close_date,
        owner=owner or actor,
        **fields,
    )
    missing = missing_fields_for(opportunity, stage)
    if missing:
        raise MissingRequiredFields(stage, missing)
    now = timezone.now()
    opportunity.stage_entered_at = now
    if stage.is_closed:
        opportunity.closed_at = now
    opportunity._history_user = actor  # type: ignore[attr-defined]
    if reason:
        opportunity._change_reason = reason  # type: ignore[attr-defined]
    opportunity.full_clean(exclude=["tenant"])
    opportunity.save()
    _record_change(opportunity, from_stage=None, actor=actor, at=now)
    search.index(opportunity)
    return opportunity


@transaction.atomic
def opportunity_move_stage(
    *,
    opportunity: Opportunity,
    stage: Stage,
    actor: User | None,
    values: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Opportunity:
    """Move to `stage`, after setting `values` (the fields the stage asked for, if any). Refused with
    MissingRequiredFields when the stage's required fields are still empty. The probability becomes
    the stage's default unless it was set by hand; a closed stage stamps `closed_at`. One stage-history
    row per move, with the amount and probability after it."""
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(_("Someone changed this opportunity meanwhile: reload it and try again."))
    if stage.pipeline_id != locked.pipeline_id:
        raise ValidationError({"stage": _("This stage belongs to another pipeline.")})
    if stage.pk == locked.stage_id and not values:
        return locked
    for name, value in (values or {}).items():
        if name == "competitors":
            competitors_set(locked, list(value), actor=actor)  # rolled back with the move if refused
        elif _field(name).many_to_many:
            getattr(locked, name).set(value, through_defaults={"tenant": locked.tenant})
        else:
            setattr(locked, name, value)
    missing = missing_fields_for(locked, stage)
    if missing:
        raise MissingRequiredFields(stage, missing)
    previous = locked.stage
    now = timezone.now()
    locked.stage = stage
    locked.stage_entered_at = now
    if not locked.probability_overridden:
        locked.probability = stage.probability
    locked.closed_at = now if stage.is_closed else None
    if previous.is_closed and not stage.is_closed:
        # Reopened: the loss reason belonged to the closing; the stage history keeps the closing.
        locked.loss_reason = None
    locked.version += 1
    locked._history_user = actor  # type: ignore[attr-defined]
    locked.full_clean(exclude=["tenant"])
    locked.save()
    if previous.pk != stage.pk:
        change = _record_change(locked, from_stage=previous, actor=actor, at=now)
        from opportunities.rules import stage_change_notify_managers

        stage_change_notify_managers(stage_change=change)
    search.index(locked)
    return locked
