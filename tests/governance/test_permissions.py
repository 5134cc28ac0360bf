"""Roles: what each may do, at model level and on an owned object; the management chain below a person."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.permissions import ROLE_PERMISSIONS
from governance.selectors import membership_subordinate_ids
from tests.factories import TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


@dataclass
class Owned:
    """Stands for any record with an owner (accounts, leads... arrive with later issues)."""

    owner_id: int | None


def test_every_role_of_the_specification_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role.values)
    assert len(Role.values) == 10


@pytest.mark.parametrize(
    ("role", "perm", "expected"),
    [
        (Role.FINANCE, "opportunities.view_opportunity", True),
        (Role.FINANCE, "opportunities.change_opportunity", False),
        (Role.FINANCE, "accounts.add_account", False),
        (Role.FIELD_SALES_REP, "accounts.add_account", True),
        (Role.FIELD_SALES_REP, "accounts.delete_account", False),
        (Role.FIELD_SALES_REP, "marketing.view_campaign", False),
        (Role.MARKETING_USER, "marketing.add_campaign", True),
        (Role.MARKETING_USER, "opportunities.view_opportunity", False),
        (Role.SUPPORT_AGENT, "support.add_ticket", True),
        (Role.SUPPORT_AGENT, "opportunities.view_opportunity", False),
        (Role.SALES_DIRECTOR, "opportunities.delete_opportunity", True),
        (Role.SALES_DIRECTOR, "governance.change_team", False),
        (Role.TENANT_ADMIN, "governance.change_team", True),
    ],
)
def test_model_level_permissions_follow_the_role(
    tenant, member, role: str, perm: str, expected: bool
) -> None:
    membership = member(tenant, role)

    with tenant_scope(tenant, membership=membership):
        allowed = membership.user.has_perm(perm)

    assert allowed is expected


def test_a_rep_changes_their_own_records_only(tenant, member) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)

    with tenant_scope(tenant, membership=rep):
        own = rep.user.has_perm("accounts.change_account", Owned(rep.user_id))
        theirs = rep.user.has_perm("accounts.change_account", Owned(colleague.user_id))
        view_theirs = rep.user.has_perm("accounts.view_account", Owned(colleague.user_id))

    assert (own, theirs, view_theirs) == (True, False, True)


def test_a_manager_changes_what_people_below_own_down_the_chain_and_teams(tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    manager = member(tenant, Role.SALES_MANAGER, manager=director)
    direct_report = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    below_report = member(tenant, Role.INSIDE_SALES_REP, manager=direct_report)
    outsider = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        team = TeamFactory(manager=manager)
        sub_team = TeamFactory(parent=team)
        team_member = TeamMemberFactory(team=sub_team).membership

    with tenant_scope(tenant, membership=manager):
        below = membership_subordinate_ids(membership=manager)
        can = {
            name: manager.user.has_perm("opportunities.change_opportunity", Owned(m.user_id))
            for name, m in {
                "direct": direct_report,
                "indirect": below_report,
                "team": team_member,
                "outsider": outsider,
                "boss": director,
            }.items()
        }

    assert below == {direct_report.pk, below_report.pk, team_member.pk}
    assert can == {"direct": True, "indirect": True, "team": True, "outsider": False, "boss": False}


def test_no_permission_outside_the_tenant_scope_or_for_another_members_user(
    tenant, other_tenant, member
) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    foreign_admin = member(other_tenant, Role.TENANT_ADMIN)

    outside = admin.user.has_perm("accounts.view_account")
    with tenant_scope(tenant, membership=admin):
        impostor = foreign_admin.user.has_perm("accounts.view_account")

    assert (outside, impostor) == (False, False)


def test_a_cycle_in_the_chain_does_not_loop_forever(tenant, member) -> None:
    first = member(tenant, Role.SALES_MANAGER)
    second = member(tenant, Role.SALES_MANAGER, manager=first)
    with tenant_scope(tenant):
        # Written behind the service's back (the service refuses loops): the query must still end.
        type(first).objects.filter(pk=first.pk).update(manager=second)
        below = membership_subordinate_ids(membership=first)

    assert below == {second.pk}


def test_a_team_cannot_be_moved_below_its_own_sub_team_in_the_admin(tenant, client_of) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        top = TeamFactory(name="Direction")
        child = TeamFactory(name="Nord", parent=top)

    response = client.post(
        f"/t/durand/admin/governance/team/{top.pk}/change/",
        {
            "name": "Direction",
            "parent": child.pk,
            "manager": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
        headers={"accept-language": "en"},
    )

    assert response.status_code == 200
    assert "cannot be placed below itself" in response.text
    with tenant_scope(tenant):
        top.refresh_from_db()
    assert top.parent_id is None
