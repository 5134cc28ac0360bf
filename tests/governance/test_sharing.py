"""Organisation-wide defaults and sharing rules between teams widen who sees and changes records."""

from __future__ import annotations

import pytest

from accounts.models import Account
from accounts.selectors import account_list
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import SharingDefault, SharingRule
from tests.factories import TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reps(tenant, member):
    north, south = member(tenant, Role.FIELD_SALES_REP), member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        Account.objects.create(legal_name="Client du Nord", owner=north.user)
        south_account = Account.objects.create(legal_name="Client du Sud", owner=south.user)
        north_team, south_team = TeamFactory(name="Nord"), TeamFactory(name="Sud")
        TeamMemberFactory(team=north_team, membership=north)
        TeamMemberFactory(team=south_team, membership=south)
    return {"north": north, "south": south, "north_team": north_team, "south_team": south_team,
            "south_account": south_account}  # fmt: skip


def names_seen_by(tenant, membership) -> set[str]:
    with tenant_scope(tenant, membership=membership):
        return set(account_list(membership=membership).values_list("legal_name", flat=True))


def may_change(tenant, membership, account) -> bool:
    with tenant_scope(tenant, membership=membership):
        return membership.user.has_perm("accounts.change_account", account)


def test_private_by_default(tenant, reps) -> None:
    assert names_seen_by(tenant, reps["north"]) == {"Client du Nord"}
    assert may_change(tenant, reps["north"], reps["south_account"]) is False


@pytest.mark.parametrize(("access", "can_change"), [("read", False), ("read_write", True)])
def test_an_organisation_wide_default_opens_the_kind_of_record(tenant, reps, access, can_change) -> None:
    with tenant_scope(tenant):
        SharingDefault.objects.create(model_label="accounts.account", access=access)

    assert names_seen_by(tenant, reps["north"]) == {"Client du Nord", "Client du Sud"}
    assert may_change(tenant, reps["north"], reps["south_account"]) is can_change


@pytest.mark.parametrize(("access", "can_change"), [("read", False), ("read_write", True)])
def test_a_sharing_rule_gives_one_team_the_records_of_another(tenant, reps, access, can_change) -> None:
    with tenant_scope(tenant):
        SharingRule.objects.create(
            model_label="accounts.account", source_team=reps["south_team"], target_team=reps["north_team"],
            access=access,
        )  # fmt: skip

    assert names_seen_by(tenant, reps["north"]) == {"Client du Nord", "Client du Sud"}
    assert names_seen_by(tenant, reps["south"]) == {"Client du Sud"}  # one way only
    assert may_change(tenant, reps["north"], reps["south_account"]) is can_change


def test_a_rule_for_another_kind_of_record_shares_nothing(tenant, reps) -> None:
    with tenant_scope(tenant):
        SharingRule.objects.create(
            model_label="opportunities.opportunity",
            source_team=reps["south_team"],
            target_team=reps["north_team"],
        )

    assert names_seen_by(tenant, reps["north"]) == {"Client du Nord"}
