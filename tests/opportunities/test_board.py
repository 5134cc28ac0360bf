"""The kanban: columns and totals, "more" by htmx, moves through the service (success re-renders the two
columns; missing fields answer with a form of exactly those fields, whose submit moves; a stale card is
told), visibility (a rep's board shows their cards only)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from crm.roles import Role
from crm.tenancy import tenant_scope
from opportunities.models import Opportunity, Stage, StageChange
from opportunities.services import opportunity_create
from opportunities.views.board import CARDS_PER_COLUMN
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def logged_in(membership: Any) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def opportunity_of(tenant: Any, membership: Any, name: str, **extra: Any) -> Opportunity:
    with tenant_scope(tenant):
        account = extra.pop("account", None) or AccountFactory(owner=membership.user)
        return opportunity_create(
            tenant=tenant,
            actor=membership.user,
            account=account,
            name=name,
            expected_close_date=extra.pop("expected_close_date", datetime.date(2027, 3, 31)),
            **extra,
        )


def stage(tenant: Any, name: str) -> Stage:
    with tenant_scope(tenant):
        return Stage.objects.get(pipeline__is_default=True, name=name)


def test_the_board_has_a_column_per_stage_with_totals_per_currency(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    first = opportunity_of(tenant, rep, "A", amount=Decimal("1000"))
    opportunity_of(tenant, rep, "B", amount=Decimal("3000"))
    opportunity_of(tenant, rep, "C", amount=Decimal("500"), currency="USD")

    response = client.get(f"/t/durand/opportunities/board/{first.pipeline_id}/", HTTP_ACCEPT_LANGUAGE="fr")

    columns = response.context["columns"]
    assert [column["stage"].name for column in columns] == [
        "Détection", "Qualification", "Proposition", "Négociation", "Gagnée", "Perdue", "Abandonnée",
    ]  # fmt: skip
    assert columns[0]["totals"] == {
        "count": 3,
        "amounts": [
            {"amount": "4\u00a0000,00\u00a0€", "weighted": "400,00\u00a0€"},
            {"amount": "500,00\u00a0$", "weighted": "50,00\u00a0$"},
        ],
    }


def test_a_rep_sees_only_their_cards_and_a_foreign_pipeline_is_404(
    tenant: Any, other_tenant: Any, member: Any
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    mine = opportunity_of(tenant, rep, "Mienne")
    opportunity_of(tenant, colleague, "Pas à moi")
    foreign = opportunity_of(other_tenant, member(other_tenant, Role.FIELD_SALES_REP), "Ailleurs")
    client = logged_in(rep)

    response = client.get(f"/t/durand/opportunities/board/{mine.pipeline_id}/")

    assert [card["opportunity"].name for card in response.context["columns"][0]["cards"]] == ["Mienne"]
    assert "Pas à moi" not in response.text
    assert client.get(f"/t/durand/opportunities/board/{foreign.pipeline_id}/").status_code == 404
    moved = client.post(
        f"/t/durand/opportunities/board/move/{foreign.pk}/", {"stage": foreign.stage_id, "version": 1}, **HTMX
    )
    assert moved.status_code == 404


def test_more_cards_load_by_htmx_after_the_first_ones(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    for index in range(CARDS_PER_COLUMN + 3):
        first = opportunity_of(
            tenant,
            rep,
            f"Affaire {index:02d}",
            expected_close_date=datetime.date(2027, 1, 1) + datetime.timedelta(index),
        )

    board = client.get(f"/t/durand/opportunities/board/{first.pipeline_id}/")
    column = board.context["columns"][0]
    assert len(column["cards"]) == CARDS_PER_COLUMN
    more = client.get(
        f"/t/durand/opportunities/board/{first.pipeline_id}/stages/{column['stage'].pk}/more/?after={column['after']}",
        **HTMX,
    )

    assert [card["opportunity"].name for card in more.context["column"]["cards"]] == [
        "Affaire 20", "Affaire 21", "Affaire 22",
    ]  # fmt: skip
    assert "<html" not in more.text


def test_a_move_by_htmx_re_renders_both_columns(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=rep.user))
    opportunity = opportunity_of(tenant, rep, "Audit", account=contact.account, primary_contact=contact)
    qualification = stage(tenant, "Qualification")

    response = client.post(
        f"/t/durand/opportunities/board/move/{opportunity.pk}/",
        {"stage": qualification.pk, "version": opportunity.version},
        **HTMX,
    )

    assert response["X-Move-Outcome"] == "moved"
    assert f'id="column-{opportunity.stage_id}"' in response.text
    assert f'id="column-{qualification.pk}"' in response.text
    assert response.text.count('hx-swap-oob="outerHTML"') == 2
    with tenant_scope(tenant):
        opportunity.refresh_from_db()
        assert (opportunity.stage_id, opportunity.probability) == (qualification.pk, 25)


def test_a_move_without_its_fields_answers_a_form_of_exactly_them_then_moves(
    tenant: Any, client_of: Any
) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=rep.user))
    opportunity = opportunity_of(tenant, rep, "Audit", account=contact.account)
    proposal = stage(tenant, "Proposition")

    refused = client.post(
        f"/t/durand/opportunities/board/move/{opportunity.pk}/",
        {"stage": proposal.pk, "version": opportunity.version},
        **HTMX,
    )

    assert refused["X-Move-Outcome"] == "missing_fields"
    form = refused.context["form"]
    assert [name for name in form.fields if name not in ("version", "stage")] == ["amount", "primary_contact"]
    with tenant_scope(tenant):
        assert Opportunity.objects.get(pk=opportunity.pk).stage.name == "Détection"
        assert StageChange.objects.filter(opportunity=opportunity).count() == 1

    incomplete = client.post(
        f"/t/durand/opportunities/board/move/{opportunity.pk}/",
        {"stage": proposal.pk, "version": opportunity.version, "with_fields": "1", "amount": "8000"},
        **HTMX,
    )
    assert incomplete["X-Move-Outcome"] == "missing_fields"
    assert "primary_contact" in incomplete.context["form"].errors

    moved = client.post(
        f"/t/durand/opportunities/board/move/{opportunity.pk}/",
        {
            "stage": proposal.pk,
            "version": opportunity.version,
            "with_fields": "1",
            "amount": "8000",
            "primary_contact": contact.pk,
        },
        **HTMX,
    )

    assert moved["X-Move-Outcome"] == "moved"
    with tenant_scope(tenant):
        opportunity.refresh_from_db()
        assert (opportunity.stage.name, opportunity.amount, opportunity.primary_contact_id) == (
            "Proposition",
            Decimal("8000.00"),
            contact.pk,
        )
        assert StageChange.objects.filter(opportunity=opportunity).count() == 2


def test_a_stale_card_is_told_and_does_not_move(tenant: Any, client_of: Any) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    opportunity = opportunity_of(tenant, rep, "Audit")

    response = client.post(
        f"/t/durand/opportunities/board/move/{opportunity.pk}/",
        {"stage": stage(tenant, "Abandonnée").pk, "version": opportunity.version + 1},
        **HTMX,
    )

    assert response["X-Move-Outcome"] == "refused"
    assert "a modifié cette opportunité entre-temps" in response.text
    with tenant_scope(tenant):
        assert Opportunity.objects.get(pk=opportunity.pk).stage.name == "Détection"


def test_a_role_that_may_not_change_is_refused(tenant: Any, member: Any) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    opportunity = opportunity_of(tenant, rep, "Audit")
    finance = logged_in(member(tenant, Role.FINANCE))

    response = finance.post(
        f"/t/durand/opportunities/board/move/{opportunity.pk}/",
        {"stage": stage(tenant, "Abandonnée").pk, "version": opportunity.version},
        **HTMX,
    )

    assert response.status_code == 403
    with tenant_scope(tenant):
        assert Opportunity.objects.get(pk=opportunity.pk).stage.name == "Détection"
