"""Assignment rules: the first active rule (by position) whose criteria all match a lead assigns it,
to a user, or in turn to the members of a team.

Round robin under concurrent arrivals: the rule's row is locked (`select_for_update`) while the next
member is chosen and the pointer moved, so two leads arriving together wait for each other there and
get two consecutive members; the lock is held only to the end of the creating transaction.
"""

from __future__ import annotations

from django.db.models import QuerySet

from governance.models import TeamMember
from leads.models import AssignmentRule, Lead


def rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    """Every criterion the rule sets matches the lead (an empty criterion matches anything)."""
    checks = (
        not rule.country or rule.country == lead.country,
        not rule.postal_code_prefix or (lead.postal_code or "").startswith(rule.postal_code_prefix),
        rule.segment_id is None or rule.segment_id == lead.segment_id,
        not rule.language or rule.language == lead.language,
        rule.partner_id is None or rule.partner_id == lead.partner_id,
        rule.product_of_interest_id is None or rule.product_of_interest_id == lead.product_of_interest_id,
        rule.source_id is None or rule.source_id == lead.source_id,
    )
    return all(checks)


def _active_rules() -> QuerySet[AssignmentRule]:
    return AssignmentRule.objects.filter(is_active=True).order_by("position", "id")


def _team_user_ids(team_id: int) -> list[int]:
    """The active members of the team, in a stable order (the rotation's order)."""
    return list(
        TeamMember.objects.filter(
            team_id=team_id, membership__is_active=True, membership__user__is_active=True
        )
        .order_by("membership__user_id")
        .values_list("membership__user_id", flat=True)
        .distinct()
    )


def round_robin_next(rule: AssignmentRule) -> int | None:
    """The next member of the rule's team after the last one assigned, moving the pointer. Must run
    inside the transaction that saves the lead (the rule row stays locked until it commits)."""
    locked = AssignmentRule.objects.select_for_update().only("id", "target_team_id", "last_assigned_user_id")
    current = locked.get(pk=rule.pk)
    if current.target_team_id is None:
        return None
    members = _team_user_ids(current.target_team_id)
    if not members:
        return None
    last = current.last_assigned_user_id
    chosen = next((user_id for user_id in members if last is None or user_id > last), members[0])
    # No history row per rotation: the pointer is bookkeeping, the lead's history says who got it.
    AssignmentRule.objects.filter(pk=current.pk).update(last_assigned_user_id=chosen)
    return chosen


def assignment_pick(lead: Lead) -> tuple[AssignmentRule | None, int | None]:
    """The rule that assigns the lead and the user it goes to; (None, None) sends it to the queue.
    A matching rule whose team has no active member is passed over."""
    for rule in _active_rules():
        if not rule_matches(rule, lead):
            continue
        if rule.target_user_id is not None:
            return rule, rule.target_user_id
        user_id = round_robin_next(rule)
        if user_id is not None:
            return rule, user_id
    return None, None


def assignment_pick_many(
    leads: list[Lead], *, commit: bool = True
) -> list[tuple[AssignmentRule | None, int | None]]:
    """`assignment_pick` for a batch of leads, in order, with the same rules and the same fair
    rotation, in a number of queries that grows with the rules used, not with the leads: the rules are
    read once, each team's members once, each round-robin rule locked once and its pointer moved once
    at the end. Without `commit`, nothing is locked or moved (a dry run)."""
    rules = list(_active_rules())
    members: dict[int, list[int]] = {}
    pointers: dict[int, int | None] = {}  # round-robin rule -> the last user given a lead
    picks: list[tuple[AssignmentRule | None, int | None]] = []
    for lead in leads:
        pick: tuple[AssignmentRule | None, int | None] = (None, None)
        for rule in rules:
            if not rule_matches(rule, lead):
                continue
            if rule.target_user_id is not None:
                pick = (rule, rule.target_user_id)
                break
            if rule.target_team_id is None:
                continue
            if rule.pk not in pointers:
                rows = AssignmentRule.objects.only("id", "last_assigned_user_id").filter(pk=rule.pk)
                current = (rows.select_for_update() if commit else rows).get()
                pointers[rule.pk] = current.last_assigned_user_id
            if rule.target_team_id not in members:
                members[rule.target_team_id] = _team_user_ids(rule.target_team_id)
            team = members[rule.target_team_id]
            if not team:
                continue
            last = pointers[rule.pk]
            chosen = next((user_id for user_id in team if last is None or user_id > last), team[0])
            pointers[rule.pk] = chosen
            pick = (rule, chosen)
            break
        picks.append(pick)
    if commit:
        for rule_id, user_id in pointers.items():
            AssignmentRule.objects.filter(pk=rule_id).update(last_assigned_user_id=user_id)
    return picks
