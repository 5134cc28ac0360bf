"""Assignment rules: order, criteria, a user or a team in turn, the queue; round robin under
concurrent arrivals (two connections at once: no double assignment, fair rotation)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from accounts.models import Segment
from crm.roles import Role
from crm.tenancy import tenant_scope
from leads.models import AssignmentRule, Lead
from leads.services import lead_assign, lead_create
from tests.factories import TeamFactory, TeamMemberFactory
from tests.leads.factories import AssignmentRuleFactory

pytestmark = pytest.mark.django_db


def _create(tenant, actor, **data):
    return lead_create(tenant=tenant, actor=actor, data={"last_name": "Dubois", **data})


def test_the_first_matching_rule_by_position_assigns_the_lead(tenant, member) -> None:
    author, lyon, paris = member(tenant, Role.MARKETING_MANAGER), member(tenant), member(tenant)
    with tenant_scope(tenant):
        AssignmentRuleFactory(position=20, country="FR", target_user=paris.user)
        rhone = AssignmentRuleFactory(
            position=10, country="FR", postal_code_prefix="69", target_user=lyon.user
        )
        in_lyon = _create(tenant, author.user, postal_code="69007")
        in_paris = _create(tenant, author.user, postal_code="75011")
    assert (in_lyon.owner_id, in_lyon.assignment_rule_id) == (lyon.user_id, rhone.pk)
    assert in_paris.owner_id == paris.user_id
    assert in_lyon.assigned_at is not None


def test_every_criterion_of_a_rule_must_match(tenant, member) -> None:
    author, target = member(tenant), member(tenant)
    with tenant_scope(tenant):
        segment = Segment.objects.create(name="PME")
        AssignmentRuleFactory(country="FR", segment=segment, language="en", target_user=target.user)
        french = _create(tenant, author.user, segment=segment, language="fr")
        english = _create(tenant, author.user, segment=segment, language="en")
    assert french.owner_id is None
    assert english.owner_id == target.user_id


def test_no_matching_rule_leaves_the_lead_in_the_queue(tenant, member) -> None:
    author, target = member(tenant), member(tenant)
    with tenant_scope(tenant):
        AssignmentRuleFactory(country="FR", target_user=target.user)
        lead = _create(tenant, author.user, country="BE", postal_code="1000")
    assert (lead.owner_id, lead.assigned_at, lead.assignment_rule_id) == (None, None, None)


def test_round_robin_goes_through_the_team_in_turn(tenant, member) -> None:
    author = member(tenant)
    with tenant_scope(tenant):
        team = TeamFactory()
        people = [TeamMemberFactory(team=team).membership for _index in range(3)]
        AssignmentRuleFactory(target_team=team)
        owners = [_create(tenant, author.user).owner_id for _index in range(7)]
    ids = sorted(person.user_id for person in people)
    assert owners == [*ids, *ids, ids[0]]


def test_an_inactive_member_is_skipped_and_an_empty_team_falls_through(tenant, member) -> None:
    author, fallback = member(tenant), member(tenant)
    with tenant_scope(tenant):
        empty = TeamFactory()
        team = TeamFactory()
        active, inactive = TeamMemberFactory(team=team).membership, TeamMemberFactory(team=team).membership
        inactive.is_active = False
        inactive.save()
        AssignmentRuleFactory(position=1, target_team=empty)
        AssignmentRuleFactory(position=2, target_team=team)
        AssignmentRuleFactory(position=3, target_user=fallback.user)
        owners = {_create(tenant, author.user).owner_id for _index in range(3)}
    assert owners == {active.user_id}


def test_lead_assign_without_owner_runs_the_rules_again(tenant, member) -> None:
    author, target = member(tenant), member(tenant)
    with tenant_scope(tenant):
        lead = _create(tenant, author.user, country="BE")
        AssignmentRuleFactory(country="BE", target_user=target.user)
        assigned = lead_assign(lead=lead, actor=author.user)
        reason = assigned.history.latest().history_change_reason  # type: ignore[attr-defined]
    assert assigned.owner_id == target.user_id
    assert assigned.version == lead.version + 1
    assert reason == "Attribuée par les règles"  # the default language, French


@pytest.mark.django_db(transaction=True)
def test_concurrent_arrivals_on_a_round_robin_rule_are_not_assigned_twice(tenant, member) -> None:
    """Two connections create leads at the same moment, many times: every lead gets one owner, the
    rotation stays fair (each member gets the same number) and the pointer is the last one given."""
    author = member(tenant)
    with tenant_scope(tenant):
        team = TeamFactory()
        people = sorted(TeamMemberFactory(team=team).membership.user_id for _index in range(2))
        rule = AssignmentRuleFactory(target_team=team)
    rounds, errors = 10, []
    barrier = threading.Barrier(2)

    def arrive(index: int) -> None:
        try:
            for number in range(rounds):
                barrier.wait(timeout=10)
                with tenant_scope(tenant):
                    _create(tenant, author.user, email=f"visiteur{index}-{number}@exemple.fr")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=arrive, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with tenant_scope(tenant):
        owners = list(Lead.objects.values_list("owner_id", flat=True))
        pointer = AssignmentRule.objects.get(pk=rule.pk).last_assigned_user_id
    assert len(owners) == 2 * rounds
    assert sorted(owners) == sorted(people * rounds)  # fair: 10 each, nobody skipped or doubled
    assert pointer == people[-1]  # an even number of leads: the turn came back to the last member
