"""The core of the pipeline: creation in the first stage, moves with required fields, stage history."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from crm.models import Tenant
from crm.tenancy import tenant_scope
from opportunities.models import LossReason, Opportunity, Stage, StageChange
from opportunities.services import (
    MissingRequiredFields,
    opportunity_create,
    opportunity_move_stage,
    pipeline_defaults_ensure,
)
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__is_default=True, name=name)


def test_a_tenant_gets_the_specifications_pipeline_once(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        first = pipeline_defaults_ensure(tenant=tenant)
        again = pipeline_defaults_ensure(tenant=tenant)

        assert first.pk == again.pk
        assert list(first.stages.values_list("name", "probability", "outcome")) == [
            ("Détection", 10, "open"),
            ("Qualification", 25, "open"),
            ("Proposition", 50, "open"),
            ("Négociation", 75, "open"),
            ("Gagnée", 100, "won"),
            ("Perdue", 0, "lost"),
            ("Abandonnée", 0, "abandoned"),
        ]
        assert LossReason.objects.count() == 6


def test_creation_enters_the_first_stage_and_writes_the_first_history_row(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        account = AccountFactory()
        opportunity = opportunity_create(
            tenant=tenant,
            actor=account.owner,
            account=account,
            name="Migration ERP",
            expected_close_date=datetime.date(2027, 3, 31),
            amount=Decimal("12000.00"),
        )

        assert opportunity.stage.name == "Détection"
        assert opportunity.probability == 10
        assert opportunity.probability_overridden is False
        change = StageChange.objects.get(opportunity=opportunity)
        assert (change.from_stage, change.to_stage, change.amount, change.probability) == (
            None,
            opportunity.stage,
            Decimal("12000.00"),
            10,
        )


def test_a_move_without_the_required_fields_is_refused_and_changes_nothing(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        account = AccountFactory()
        opportunity = opportunity_create(
            tenant=tenant,
            actor=account.owner,
            account=account,
            name="Audit",
            expected_close_date=datetime.date(2027, 1, 15),
        )

        with pytest.raises(MissingRequiredFields) as refused:
            opportunity_move_stage(opportunity=opportunity, stage=_stage("Proposition"), actor=account.owner)

        assert refused.value.fields == ["amount", "primary_contact"]
        opportunity.refresh_from_db()
        assert opportunity.stage.name == "Détection"
        assert StageChange.objects.filter(opportunity=opportunity).count() == 1


def test_a_move_with_its_fields_takes_the_stage_probability_and_is_recorded(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        contact = ContactFactory()
        opportunity = opportunity_create(
            tenant=tenant,
            actor=contact.owner,
            account=contact.account,
            name="Audit",
            expected_close_date=datetime.date(2027, 1, 15),
        )

        moved = opportunity_move_stage(
            opportunity=opportunity,
            stage=_stage("Proposition"),
            actor=contact.owner,
            values={"amount": Decimal("5000"), "primary_contact": contact},
        )

        assert (moved.stage.name, moved.probability, moved.amount) == ("Proposition", 50, Decimal("5000"))
        last = StageChange.objects.filter(opportunity=opportunity).order_by("-id").first()
        assert last is not None
        assert (last.from_stage.name, last.to_stage.name, last.probability) == (
            "Détection",
            "Proposition",
            50,
        )


def test_a_probability_set_by_hand_survives_a_move(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        account = AccountFactory()
        opportunity = opportunity_create(
            tenant=tenant,
            actor=account.owner,
            account=account,
            name="Renouvellement",
            expected_close_date=datetime.date(2027, 1, 15),
            probability=40,
        )
        assert opportunity.probability_overridden is True

        moved = opportunity_move_stage(
            opportunity=opportunity, stage=_stage("Abandonnée"), actor=account.owner
        )

        assert (moved.probability, moved.closed_at is not None) == (40, True)


def test_the_stage_history_cannot_be_updated(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        account = AccountFactory()
        opportunity = opportunity_create(
            tenant=tenant,
            actor=account.owner,
            account=account,
            name="Audit",
            expected_close_date=datetime.date(2027, 1, 15),
        )

        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            StageChange.objects.filter(opportunity=opportunity).update(probability=99)

        assert StageChange.objects.get(opportunity=opportunity).probability == 10
        assert Opportunity.objects.count() == 1
