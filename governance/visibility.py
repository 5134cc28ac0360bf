"""Record visibility (layer 2 of the sharing model): one SQL predicate per model, never a loop over rows.

Ownership and the management chain: a person sees what they own and what anyone below them owns;
roles that work across the whole company see every record. Territories, sharing rules between teams
and manual shares (governance.sharing) widen the same predicate.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.db.models.expressions import RawSQL

from crm.models import Membership
from crm.roles import Role
from governance.selectors import SUBORDINATES_SQL

# Roles that read every customer record of their company (support must find any customer's account,
# marketing segments the whole base, finance and the sales director see everything).
COMPANY_WIDE_READERS = frozenset(
    {
        Role.TENANT_ADMIN,
        Role.SALES_DIRECTOR,
        Role.FINANCE,
        Role.MARKETING_MANAGER,
        Role.MARKETING_USER,
        Role.SUPPORT_SUPERVISOR,
        Role.SUPPORT_AGENT,
    }
)


def _array(sql: str, params: tuple[Any, ...]) -> RawSQL:
    """ARRAY(<sql>), for `field__any_of` (crm.lookups: why not `field__in` inside an OR)."""
    return RawSQL(f"ARRAY({sql})", params)  # noqa: S611 - constant SQL, parameters bound


_SUBORDINATE_USERS_SQL = f"SELECT user_id FROM ({SUBORDINATES_SQL}) AS below"  # noqa: S608 - constant SQL


def owned_by_me_or_below(membership: Membership, owner_field: str = "owner") -> Q:
    """Records owned by this member or by anyone below them, as one predicate (a recursive subquery)."""
    below = _array(_SUBORDINATE_USERS_SQL, (membership.pk, membership.pk))
    return Q(**{f"{owner_field}_id": membership.user_id}) | Q(**{f"{owner_field}_id__any_of": below})


# The territories a member belongs to, and every territory below them, for one tenant.
MY_TERRITORIES_SQL = """
WITH RECURSIVE mine(id) AS (
    SELECT territory_id FROM governance_territorymember WHERE membership_id = %s
  UNION
    SELECT t.id FROM governance_territory t JOIN mine m ON t.parent_id = m.id
)
SELECT id FROM mine
"""


def in_my_territories(membership: Membership, territory_field: str = "territory") -> Q:
    return Q(**{f"{territory_field}_id__any_of": _array(MY_TERRITORIES_SQL, (membership.pk,))})


# Owners whose records of one kind are shared with a team this member belongs to (or manages).
SHARED_OWNERS_SQL = """
SELECT m.user_id
FROM governance_sharingrule r
JOIN governance_team target ON target.id = r.target_team_id
JOIN governance_teammember source ON source.team_id = r.source_team_id
JOIN crm_membership m ON m.id = source.membership_id
WHERE r.model_label = %s
  AND r.access = ANY(%s)
  AND (target.manager_id = %s OR EXISTS (
        SELECT 1 FROM governance_teammember mine
        WHERE mine.team_id = target.id AND mine.membership_id = %s))
"""


def shared_with_me(
    membership: Membership, model_label: str, owner_field: str = "owner", *, write: bool = False
) -> Q:
    accesses = ["read_write"] if write else ["read", "read_write"]
    owners = _array(SHARED_OWNERS_SQL, (model_label, accesses, membership.pk, membership.pk))
    return Q(**{f"{owner_field}_id__any_of": owners})


def organisation_default(model_label: str) -> str:
    """The tenant's organisation-wide default for this kind of record ('private' unless set)."""
    from governance.models import SharingDefault

    row = SharingDefault.objects.filter(model_label=model_label).values_list("access", flat=True).first()
    return row or "private"


def visibility_predicate(
    membership: Membership,
    owner_field: str = "owner",
    territory_field: str | None = None,
    model_label: str | None = None,
) -> Q:
    """Company-wide roles see everything, and everyone does when the organisation-wide default of
    the kind of record is not private; others see what they or anyone below them own, what lies in
    their territories, what sharing rules give their teams, and what is shared with them or one of
    their teams by hand (governance.sharing)."""
    if membership.role in COMPANY_WIDE_READERS:
        return Q()
    if model_label is not None and organisation_default(model_label) != "private":
        return Q()
    predicate = owned_by_me_or_below(membership, owner_field)
    if territory_field is not None:
        predicate |= in_my_territories(membership, territory_field)
    if model_label is not None:
        predicate |= shared_with_me(membership, model_label, owner_field)
        from governance.sharing import shared_records_predicate

        manual = shared_records_predicate(membership, model_label)
        if manual is not None:
            predicate |= manual
    return predicate


def role_predicate(role: str) -> Q | None:
    """Visibility for a caller with a role but no person behind it (an API key): company-wide roles
    see every record; other roles own nothing, so they see none (None)."""
    return Q() if role in COMPANY_WIDE_READERS else None


# Kinds of records the sharing settings apply to, registered by their apps: label -> display name.
_shareable: dict[str, object] = {}


def register_shareable(model_label: str, name: object) -> None:
    _shareable[model_label] = name


def shareable_choices() -> list[tuple[str, object]]:
    return sorted(_shareable.items())
