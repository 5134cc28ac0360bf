"""What a member may not see stays unseen around what they may see: parent and partner companies,
subsidiaries in consolidated figures, likely duplicates, and an edit never drops a hidden link."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.merge import account_merge
from accounts.models import Account
from crm.roles import Role
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_world(tenant, member, client_of):
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    stranger = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        parent = Account.objects.create(legal_name="SECRET PARENT HOLDING", owner=stranger.user)
        partner = Account.objects.create(
            legal_name="SECRET PARTNER SA", owner=stranger.user, siren="732829320"
        )
        mine = Account.objects.create(
            legal_name="Mon client",
            owner=rep.user,
            parent=parent,
            partner=partner,
            customer_revenue=Decimal("100"),
        )
        Account.objects.create(
            legal_name="SECRET SUBSIDIARY",
            owner=stranger.user,
            parent=mine,
            customer_revenue=Decimal("987654"),
        )
    return {"client": client, "rep": rep, "mine": mine, "parent": parent, "partner": partner}


def test_the_overview_does_not_name_a_parent_or_partner_the_member_cannot_see(rep_world) -> None:
    page = rep_world["client"].get(
        f"/t/durand/accounts/{rep_world['mine'].pk}/", headers={"accept-language": "en"}
    )

    assert page.status_code == 200
    assert "SECRET PARENT" not in page.text
    assert "SECRET PARTNER" not in page.text
    assert page.text.count("A company you cannot see") == 2


def test_consolidated_figures_count_only_visible_subsidiaries(rep_world) -> None:
    page = rep_world["client"].get(
        f"/t/durand/accounts/{rep_world['mine'].pk}/?tab=group", headers={"accept-language": "en"}
    )

    assert "987" not in page.text
    assert "SECRET SUBSIDIARY" not in page.text
    assert "€100.00" in page.text


def test_likely_duplicates_the_member_cannot_see_are_counted_not_named(rep_world) -> None:
    page = rep_world["client"].post(
        "/t/durand/accounts/new/",
        {"legal_name": "Nouveau", "siren": "732829320", "account_type": "prospect", "currency": "EUR",
         "owner": rep_world["rep"].user_id},
        headers={"accept-language": "en"},
    )  # fmt: skip

    assert page.status_code == 200
    assert "SECRET PARTNER" not in page.text
    assert "And 1 similar record you cannot see." in page.text


def test_editing_keeps_a_parent_the_member_cannot_see(rep_world) -> None:
    response = rep_world["client"].post(
        f"/t/durand/accounts/{rep_world['mine'].pk}/edit/",
        {"legal_name": "Mon client renommé", "account_type": "prospect", "currency": "EUR",
         "owner": rep_world["rep"].user_id, "version": 1},
    )  # fmt: skip

    assert response.status_code == 302
    with tenant_scope(rep_world["mine"].tenant):
        mine = Account.objects.get(pk=rep_world["mine"].pk)
    assert (mine.legal_name, mine.parent_id, mine.partner_id) == (
        "Mon client renommé", rep_world["parent"].pk, rep_world["partner"].pk,
    )  # fmt: skip


def test_merging_an_ancestor_into_its_descendant_makes_no_loop(tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        top = Account.objects.create(legal_name="Top", owner=director.user)
        middle = Account.objects.create(legal_name="Middle", owner=director.user, parent=top)
        bottom = Account.objects.create(legal_name="Bottom", owner=director.user, parent=middle)

        account_merge(survivor=bottom, merged=top, choices={}, actor=director.user)

        bottom.refresh_from_db()
        middle.refresh_from_db()
    assert (bottom.parent_id, middle.parent_id) == (None, bottom.pk)
