"""Reads for governance: the management chain below a membership."""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from crm.models import Membership
from governance.models import SecurityEvent

# Edges "boss -> subordinate": direct reports, and members of the teams (and sub-teams) a person manages.
# Row-level security keeps every table to the current tenant.
SUBORDINATES_SQL = """
WITH RECURSIVE team_closure(ancestor, descendant) AS (
    SELECT id, id FROM governance_team
  UNION
    SELECT tc.ancestor, t.id FROM team_closure tc JOIN governance_team t ON t.parent_id = tc.descendant
),
edges(boss, subordinate) AS (
    SELECT manager_id, id FROM crm_membership WHERE manager_id IS NOT NULL
  UNION ALL
    SELECT t.manager_id, tm.membership_id
    FROM governance_team t
    JOIN team_closure tc ON tc.ancestor = t.id
    JOIN governance_teammember tm ON tm.team_id = tc.descendant
    WHERE t.manager_id IS NOT NULL
),
below(id) AS (
    SELECT %s::bigint
  UNION
    SELECT e.subordinate FROM below b JOIN edges e ON e.boss = b.id
)
SELECT m.id, m.user_id FROM below b JOIN crm_membership m ON m.id = b.id
WHERE b.id <> %s AND m.is_active
"""


def _subordinates(membership: Membership) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(SUBORDINATES_SQL, [membership.pk, membership.pk])
        return [(row[0], row[1]) for row in cursor.fetchall()]


def membership_subordinate_ids(*, membership: Membership) -> set[int]:
    """Active memberships anywhere below this one, in one query whatever the depth."""
    return {membership_id for membership_id, _user_id in _subordinates(membership)}


def membership_subordinate_user_ids(*, membership: Membership) -> set[int]:
    return {user_id for _membership_id, user_id in _subordinates(membership)}


def security_event_list_for_tenant() -> QuerySet[SecurityEvent]:
    """Security events of the current tenant's active members, since they joined it (the table itself is
    platform-wide: a tenant admin never sees what a person did before joining, or after leaving)."""
    since_joining = Membership.objects.filter(
        user_id=OuterRef("user_id"), is_active=True, created_at__lte=OuterRef("created_at")
    )
    return SecurityEvent.objects.filter(Exists(since_joining)).select_related("user")
