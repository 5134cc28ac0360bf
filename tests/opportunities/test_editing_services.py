"""Editing opportunities outside moves: optimistic locking, probability set by hand, currency, primary
contact, contact roles, competitors, products; lost needs a reason; reopening; deletion; stage fields."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.services import StaleVersion
from crm.models import Tenant
from crm.tenancy import tenant_scope
from opportunities.models import (
    Competitor,
    LossReason,
    Opportunity,
    OpportunityContactRole,
    OpportunityProduct,
    Stage,
    StageChange,
)
from opportunities.services import (
    MissingRequiredFields,
    opportunity_contact_role_set,
    opportunity_create,
    opportunity_delete,
    opportunity_move_stage,
    opportunity_product_set,
    opportunity_update,
)
from opportunities.services.pipeline import stage_required_fields_check
from tests.accounts.factories import AccountFactory, ContactFactory
from tests.opportunities.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__is_default=True, name=name)


def _opportunity(tenant: Tenant, **extra: object) -> Opportunity:
    account = extra.pop("account", None) or AccountFactory()
    return opportunity_create(
        tenant=tenant,
        actor=account.owner,  # type: ignore[attr-defined]
        account=account,  # type: ignore[arg-type]
        name="Migration ERP",
        expected_close_date=datetime.date(2027, 3, 31),
        **extra,  # type: ignore[arg-type]
    )


def test_an_update_with_an_old_version_is_refused_and_changes_nothing(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        opportunity = _opportunity(tenant, amount=Decimal("1000"))
        opportunity_update(
            opportunity=opportunity, actor=None, data={"amount": Decimal("2000")}, expected_version=1
        )

        with pytest.raises(StaleVersion):
            opportunity_update(
                opportunity=opportunity, actor=None, data={"amount": Decimal("3000")}, expected_version=1
            )

        opportunity.refresh_from_db()
        assert (opportunity.amount, opportunity.version) == (Decimal("2000.00"), 2)


def test_a_probability_different_from_the_stage_default_is_marked_set_by_hand(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        opportunity = _opportunity(tenant)

        by_hand = opportunity_update(opportunity=opportunity, actor=None, data={"probability": 35})
        assert (by_hand.probability, by_hand.probability_overridden) == (35, True)
        same = opportunity_update(opportunity=opportunity, actor=None, data={"probability": 10})
        assert (same.probability, same.probability_overridden) == (10, False)
        by_hand = opportunity_update(opportunity=opportunity, actor=None, data={"probability": 35})
        reset = opportunity_update(opportunity=opportunity, actor=None, data={"probability": None})
        assert (reset.probability, reset.probability_overridden) == (10, False)


def test_an_unknown_currency_is_refused(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        opportunity = _opportunity(tenant)

        with pytest.raises(ValidationError) as refused:
            opportunity_update(opportunity=opportunity, actor=None, data={"currency": "XYZ"})

        assert "currency" in refused.value.message_dict
        opportunity.refresh_from_db()
        assert opportunity.currency == "EUR"


def test_the_primary_contact_must_work_at_the_account(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        opportunity = _opportunity(tenant)
        stranger = ContactFactory()

        with pytest.raises(ValidationError) as refused:
            opportunity_update(opportunity=opportunity, actor=None, data={"primary_contact": stranger})

        assert "primary_contact" in refused.value.message_dict
        opportunity.refresh_from_db()
        assert opportunity.primary_contact_id is None


def test_contact_roles_competitors_and_products(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        contact = ContactFactory()
        opportunity = _opportunity(tenant, account=contact.account)
        competitor = Competitor.objects.create(tenant=tenant, name="Salesforce")
        product = ProductFactory()

        opportunity_contact_role_set(
            opportunity=opportunity,
            contact=contact,
            role=OpportunityContactRole.Role.DECISION_MAKER,
            actor=None,
        )
        opportunity_contact_role_set(
            opportunity=opportunity, contact=contact, role=OpportunityContactRole.Role.INFLUENCER, actor=None
        )
        opportunity_update(opportunity=opportunity, actor=None, data={"competitors": [competitor]})
        opportunity_product_set(
            opportunity=opportunity,
            product=product,
            quantity=Decimal("3"),
            unit_price=Decimal("100"),
            actor=None,
        )
        with pytest.raises(ValidationError):
            opportunity_product_set(
                opportunity=opportunity, product=product, quantity=Decimal("-1"), unit_price=None, actor=None
            )
        with pytest.raises(ValidationError):
            opportunity_contact_role_set(
                opportunity=opportunity, contact=ContactFactory(), role="influencer", actor=None
            )

        assert list(OpportunityContactRole.objects.values_list("contact_id", "role")) == [
            (contact.pk, "influencer")
        ]
        assert list(opportunity.competitors.values_list("name", flat=True)) == ["Salesforce"]
        assert list(OpportunityProduct.objects.values_list("quantity", "unit_price")) == [
            (Decimal("3.000"), Decimal("100.00"))
        ]


def test_a_lost_stage_always_asks_for_the_loss_reason(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        opportunity = _opportunity(tenant)
        lost = _stage("Perdue")
        Stage.objects.filter(pk=lost.pk).update(required_fields=[])  # whatever the configuration says
        lost.refresh_from_db()

        with pytest.raises(MissingRequiredFields) as refused:
            opportunity_move_stage(opportunity=opportunity, stage=lost, actor=None)

        assert refused.value.fields == ["loss_reason"]
        reason = LossReason.objects.first()
        moved = opportunity_move_stage(
            opportunity=opportunity, stage=lost, actor=None, values={"loss_reason": reason}
        )
        assert (moved.stage.name, moved.loss_reason, moved.closed_at is not None) == ("Perdue", reason, True)
        with pytest.raises(ValidationError):
            opportunity_update(opportunity=moved, actor=None, data={"loss_reason": None})


def test_a_closed_opportunity_reopens_by_a_move_to_an_open_stage_which_is_recorded(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        opportunity = _opportunity(tenant)
        reason = LossReason.objects.first()
        lost = opportunity_move_stage(
            opportunity=opportunity, stage=_stage("Perdue"), actor=None, values={"loss_reason": reason}
        )

        reopened = opportunity_move_stage(opportunity=lost, stage=_stage("Détection"), actor=None)

        assert (reopened.stage.name, reopened.closed_at, reopened.loss_reason) == ("Détection", None, None)
        assert list(
            StageChange.objects.filter(opportunity=opportunity)
            .order_by("id")
            .values_list("from_stage__name", "to_stage__name")
        ) == [(None, "Détection"), ("Détection", "Perdue"), ("Perdue", "Détection")]
        with pytest.raises(ValidationError):
            opportunity_update(opportunity=reopened, actor=None, data={"stage": _stage("Gagnée")})


def test_deletion_checks_the_version(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        opportunity = _opportunity(tenant)

        with pytest.raises(StaleVersion):
            opportunity_delete(opportunity=opportunity, actor=None, expected_version=7)
        assert Opportunity.objects.count() == 1

        opportunity_delete(opportunity=opportunity, actor=None, expected_version=1)
        assert (Opportunity.objects.count(), StageChange.objects.count()) == (0, 0)
        assert opportunity.history.filter(history_type="-").count() == 1


def test_stage_required_fields_must_be_real_fields() -> None:
    stage_required_fields_check(["amount", "primary_contact", "competitors"])

    with pytest.raises(ValidationError) as refused:
        stage_required_fields_check(["amount", "amout", "version"])

    assert refused.value.message_dict == {"required_fields": ["Champs inconnus : amout, version."]}


def test_a_stage_may_ask_for_competitors_given_with_the_move(tenant: Tenant) -> None:
    with tenant_scope(tenant):
        opportunity = _opportunity(tenant)
        qualification = _stage("Qualification")
        Stage.objects.filter(pk=qualification.pk).update(required_fields=["competitors"])
        qualification.refresh_from_db()
        competitor = Competitor.objects.create(tenant=tenant, name="HubSpot")

        with pytest.raises(MissingRequiredFields) as refused:
            opportunity_move_stage(opportunity=opportunity, stage=qualification, actor=None)
        moved = opportunity_move_stage(
            opportunity=opportunity, stage=qualification, actor=None, values={"competitors": [competitor]}
        )

        assert refused.value.fields == ["competitors"]
        assert (moved.stage.name, list(moved.competitors.values_list("name", flat=True))) == (
            "Qualification",
            ["HubSpot"],
        )


def test_a_contact_merge_moves_primary_contact_links_and_contact_roles(tenant: Tenant) -> None:
    from accounts.contact_merge import contact_merge

    with tenant_scope(tenant):
        survivor = ContactFactory()
        merged = ContactFactory(account=survivor.account)
        opportunity = _opportunity(tenant, account=survivor.account, primary_contact=merged)
        other = _opportunity(tenant, account=survivor.account)
        opportunity_contact_role_set(opportunity=opportunity, contact=merged, role="influencer", actor=None)
        opportunity_contact_role_set(opportunity=other, contact=merged, role="user", actor=None)
        opportunity_contact_role_set(opportunity=other, contact=survivor, role="decision_maker", actor=None)

        contact_merge(survivor=survivor, merged=merged, choices={}, actor=None)

        opportunity.refresh_from_db()
        assert opportunity.primary_contact_id == survivor.pk
        assert sorted(
            OpportunityContactRole.objects.values_list("opportunity_id", "contact_id", "role")
        ) == sorted([(opportunity.pk, survivor.pk, "influencer"), (other.pk, survivor.pk, "decision_maker")])
