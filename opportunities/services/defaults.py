"""What a tenant starts with: the default pipeline of the specification, loss reasons, discount limits.
Idempotent (get_or_create on the unique constraints), so it can run on every first use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from crm.models import Tenant
from crm.roles import Role
from opportunities.models import DiscountLimit, LossReason, Pipeline, Stage

# (name, default probability, outcome, fields required to enter). Names in the tenant's language.
DEFAULT_STAGES: tuple[tuple[str, int, str, list[str]], ...] = (
    ("Detection", 10, Stage.Outcome.OPEN, []),
    ("Qualification", 25, Stage.Outcome.OPEN, ["primary_contact"]),
    ("Proposal", 50, Stage.Outcome.OPEN, ["amount", "primary_contact"]),
    ("Negotiation", 75, Stage.Outcome.OPEN, ["amount", "primary_contact", "expected_signature_date"]),
    ("Won", 100, Stage.Outcome.WON, ["amount"]),
    ("Lost", 0, Stage.Outcome.LOST, ["loss_reason"]),
    ("Abandoned", 0, Stage.Outcome.ABANDONED, []),
)
DEFAULT_LOSS_REASONS = ("Price", "Competitor chosen", "No budget", "No decision", "Timing", "Product fit")
# The largest discount each role grants without a manager's approval (tenant admin: any).
DEFAULT_DISCOUNT_LIMITS = {
    Role.FIELD_SALES_REP: Decimal("10"),
    Role.INSIDE_SALES_REP: Decimal("10"),
    Role.SALES_MANAGER: Decimal("25"),
    Role.SALES_DIRECTOR: Decimal("50"),
    Role.TENANT_ADMIN: Decimal("100"),
}


def _create(model: type[Any], **values: Any) -> Any:
    """Created by the system: an explicit empty history user, so that a caller that is no user (an
    API key's principal on the request) is never taken for one by django-simple-history."""
    record = model(**values)
    record._history_user = None
    record.save()
    return record


def _translated(tenant: Tenant, text: str) -> str:
    with override(tenant.language):
        return _(text)


@transaction.atomic
def pipeline_defaults_ensure(*, tenant: Tenant) -> Pipeline:
    """The tenant's default pipeline, created with the specification's stages when it has none; also
    the default loss reasons and discount limits the first time."""
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is not None:
        return pipeline
    pipeline = _create(
        Pipeline, tenant=tenant, name=_translated(tenant, "New business"), is_default=True, position=0
    )
    for position, (name, probability, outcome, required) in enumerate(DEFAULT_STAGES):
        _create(
            Stage,
            tenant=tenant,
            pipeline=pipeline,
            name=_translated(tenant, name),
            position=position,
            probability=probability,
            outcome=outcome,
            required_fields=list(required),
        )
    if not LossReason.objects.exists():
        for position, name in enumerate(DEFAULT_LOSS_REASONS):
            _create(LossReason, tenant=tenant, name=_translated(tenant, name), position=position)
    known = set(DiscountLimit.objects.values_list("role", flat=True))
    for role, limit in DEFAULT_DISCOUNT_LIMITS.items():
        if role not in known:
            _create(DiscountLimit, tenant=tenant, role=role, max_percent=limit)
    return pipeline


def _mark_translations() -> None:  # pragma: no cover - lets makemessages see the default names
    _("New business")
    _("Detection")
    _("Qualification")
    _("Proposal")
    _("Negotiation")
    _("Won")
    _("Lost")
    _("Abandoned")
    _("Price")
    _("Competitor chosen")
    _("No budget")
    _("No decision")
    _("Timing")
    _("Product fit")
