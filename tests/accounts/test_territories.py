"""Territories: a tree, members, rules that place accounts; members see their territories' accounts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from accounts import services
from accounts.models import Account, Address, TerritoryRule
from accounts.selectors import account_list, contact_list
from accounts.territories import territories_realign
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import Territory, TerritoryMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(tenant, member):
    with tenant_scope(tenant):
        france = Territory.objects.create(name="France")
        nord = Territory.objects.create(name="Nord", parent=france)
        lille = Territory.objects.create(name="Métropole lilloise", parent=nord)
        sud = Territory.objects.create(name="Sud", parent=france)
        TerritoryRule.objects.create(territory=nord, country="FR", postal_code_prefix="59")
        TerritoryRule.objects.create(territory=lille, country="FR", postal_code_prefix="590")
        TerritoryRule.objects.create(territory=sud, country="FR", postal_code_prefix="13")
    return {"france": france, "nord": nord, "lille": lille, "sud": sud}


def new_account(tenant, owner, name: str, postal_code: str) -> Account:
    with tenant_scope(tenant):
        account = services.account_create(tenant=tenant, actor=owner.user, data={"legal_name": name}).record
        services.address_save(
            account=account,
            kind=Address.Kind.HEAD_OFFICE,
            data={"line1": "1 rue Nationale", "postal_code": postal_code, "city": "Ville", "country": "FR"},
            actor=owner.user,
        )
        account.refresh_from_db()
        return account


def test_the_most_specific_rule_places_the_account(tenant, tree, member) -> None:
    owner = member(tenant, Role.SALES_DIRECTOR)

    lille = new_account(tenant, owner, "Lille SA", "59000")
    dunkerque = new_account(tenant, owner, "Dunkerque SA", "59140")
    marseille = new_account(tenant, owner, "Marseille SA", "13002")
    paris = new_account(tenant, owner, "Paris SA", "75008")

    assert lille.territory_id == tree["lille"].pk
    assert dunkerque.territory_id == tree["nord"].pk  # 59140 does not start with 590
    assert marseille.territory_id == tree["sud"].pk
    assert paris.territory_id is None


def test_members_see_their_territories_and_those_below_and_their_contacts(tenant, tree, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    north_rep = member(tenant, Role.FIELD_SALES_REP)
    south_rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        TerritoryMember.objects.create(territory=tree["nord"], membership=north_rep)
        TerritoryMember.objects.create(territory=tree["sud"], membership=south_rep)
    lille = new_account(tenant, director, "Lille SA", "59000")
    new_account(tenant, director, "Marseille SA", "13002")
    with tenant_scope(tenant):
        services.contact_create(
            tenant=tenant,
            actor=director.user,
            data={"first_name": "Anne", "last_name": "Nord", "email": "anne.nord@lille.fr", "account": lille},
        )

    with tenant_scope(tenant, membership=north_rep):
        north = set(account_list(membership=north_rep).values_list("legal_name", flat=True))
        north_contacts = set(contact_list(membership=north_rep).values_list("last_name", flat=True))
    with tenant_scope(tenant, membership=south_rep):
        south = set(account_list(membership=south_rep).values_list("legal_name", flat=True))

    assert north == {"Lille SA"}  # in Métropole lilloise, below Nord
    assert north_contacts == {"Nord"}
    assert south == {"Marseille SA"}


def test_a_territory_set_by_hand_is_kept_and_a_realignment_moves_the_others(tenant, tree, member) -> None:
    owner = member(tenant, Role.SALES_DIRECTOR)
    kept = new_account(tenant, owner, "Gardé", "59000")
    moved = new_account(tenant, owner, "Déplacé", "59000")
    with tenant_scope(tenant):
        services.account_update(
            account=kept, actor=owner.user, data={"territory": tree["sud"], "territory_set_by_hand": True}
        )
        TerritoryRule.objects.filter(postal_code_prefix="590").delete()
        count = territories_realign()
        kept.refresh_from_db()
        moved.refresh_from_db()

    assert count == 1
    assert kept.territory_id == tree["sud"].pk
    assert moved.territory_id == tree["nord"].pk


def test_the_realign_command_works_per_tenant(tenant, tree, member) -> None:
    owner = member(tenant, Role.SALES_DIRECTOR)
    account = new_account(tenant, owner, "Lille SA", "59000")
    with tenant_scope(tenant):
        Account.objects.filter(pk=account.pk).update(territory=None)
    out = StringIO()

    call_command("territories_realign", "--tenant", "durand", stdout=out)

    assert "1 account(s) moved" in out.getvalue()
    with tenant_scope(tenant):
        account.refresh_from_db()
    assert account.territory_id == tree["lille"].pk


def test_placing_an_account_by_its_head_office_is_in_its_history_with_the_actor(tenant, tree, member) -> None:
    owner = member(tenant, Role.SALES_DIRECTOR)

    with translation.override("en"):  # the reason is written in the language of the write
        account = new_account(tenant, owner, "Lille SA", "59000")  # created, then its head office placed it

    with tenant_scope(tenant), translation.override("en"):
        latest = account.history.order_by("-history_id").first()
    assert account.version == 2
    assert (latest.territory_id, latest.version, latest.history_user_id) == (
        tree["lille"].pk,
        2,
        owner.user_id,
    )
    assert latest.history_change_reason == "Territory set by the rules"


def test_a_realignment_bumps_the_versions_and_writes_a_history_row_per_account_moved(
    tenant, tree, member
) -> None:
    owner = member(tenant, Role.SALES_DIRECTOR)
    moved = new_account(tenant, owner, "Déplacé", "59000")
    stays = new_account(tenant, owner, "Reste", "13002")
    with tenant_scope(tenant):
        before = Account.history.count()
        TerritoryRule.objects.filter(postal_code_prefix="590").delete()
        with translation.override("en"):
            count = territories_realign(actor=owner.user)
        moved.refresh_from_db()
        stays.refresh_from_db()
        rows = list(
            Account.history.filter(history_id__gt=0)
            .order_by("-history_id")
            .values_list("id", "territory_id", "version", "history_user_id", "history_change_reason")[:1]
        )
        after = Account.history.count()

    assert count == 1
    assert (moved.territory_id, moved.version, stays.version) == (tree["nord"].pk, 3, 2)
    assert after == before + 1
    assert rows == [(moved.pk, tree["nord"].pk, 3, owner.user_id, "Territories realigned by the rules")]
