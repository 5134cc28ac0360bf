"""What each role may do with each kind of record (layer 1 of the sharing model, ARCHITECTURE.md).

Each entry gives, per app and action, the reach of the permission:
- ALL: any record the user can see (record visibility is the accounts issue's sharing model);
- TEAM: records owned by the user or by anyone below them (manager chain and managed teams);
- OWN: records the user owns;
- none (absent): not at all.
Model-level checks (`user.has_perm("accounts.change_account")`) pass for any reach; object-level checks
(`user.has_perm(perm, obj)`) apply the reach to the object's `owner_id`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from crm.models import TenantOwnedModel
from crm.roles import Role
from crm.tenancy import current_membership


class Reach(IntEnum):
    OWN = 1
    TEAM = 2
    ALL = 3


ACTIONS = ("view", "add", "change", "delete")
SALES_APPS = ("accounts", "leads", "opportunities", "activities", "contracts")
DOMAIN_APPS = (*SALES_APPS, "marketing", "support", "integrations", "reporting")
ALL, TEAM, OWN = Reach.ALL, Reach.TEAM, Reach.OWN


def _grant(apps: tuple[str, ...], **actions: Reach) -> dict[str, dict[str, Reach]]:
    return {app: dict(actions) for app in apps}


def _merge(*parts: dict[str, dict[str, Reach]]) -> dict[str, dict[str, Reach]]:
    merged: dict[str, dict[str, Reach]] = {}
    for part in parts:
        for app, actions in part.items():
            merged.setdefault(app, {}).update(actions)
    return merged


READ_EVERYTHING = _grant(DOMAIN_APPS, view=ALL)

ROLE_PERMISSIONS: dict[str, dict[str, dict[str, Reach]]] = {
    Role.TENANT_ADMIN: _grant((*DOMAIN_APPS, "governance", "crm"), view=ALL, add=ALL, change=ALL, delete=ALL),
    Role.SALES_DIRECTOR: _merge(
        READ_EVERYTHING,
        _grant(SALES_APPS, view=ALL, add=ALL, change=ALL, delete=ALL),
        _grant(("governance",), view=ALL),
    ),
    Role.SALES_MANAGER: _merge(
        _grant((*SALES_APPS, "reporting", "marketing", "support"), view=ALL),
        _grant(SALES_APPS, add=ALL, change=TEAM, delete=TEAM),
    ),
    Role.FIELD_SALES_REP: _merge(
        _grant((*SALES_APPS, "support"), view=ALL),
        _grant(SALES_APPS, add=ALL, change=OWN),
    ),
    Role.INSIDE_SALES_REP: _merge(
        _grant((*SALES_APPS, "support"), view=ALL),
        _grant(SALES_APPS, add=ALL, change=OWN),
    ),
    Role.MARKETING_MANAGER: _merge(
        _grant(("accounts", "leads", "opportunities", "activities", "reporting"), view=ALL),
        _grant(("marketing",), view=ALL, add=ALL, change=ALL, delete=ALL),
        _grant(("leads",), add=ALL, change=ALL),
    ),
    Role.MARKETING_USER: _merge(
        _grant(("accounts", "leads", "marketing", "activities"), view=ALL),
        _grant(("marketing", "leads"), add=ALL, change=OWN),
    ),
    Role.SUPPORT_SUPERVISOR: _merge(
        _grant(("accounts", "contracts", "activities", "reporting"), view=ALL),
        _grant(("support",), view=ALL, add=ALL, change=ALL, delete=TEAM),
        _grant(("activities",), add=ALL, change=TEAM),
    ),
    Role.SUPPORT_AGENT: _merge(
        _grant(("accounts", "contracts", "activities"), view=ALL),
        _grant(("support",), view=ALL, add=ALL, change=OWN),
        _grant(("activities",), add=ALL, change=OWN),
    ),
    Role.FINANCE: _grant(("accounts", "opportunities", "contracts", "support", "reporting"), view=ALL),
}


def role_reach(role: str, app_label: str, action: str) -> Reach | None:
    return ROLE_PERMISSIONS.get(role, {}).get(app_label, {}).get(action)


def split_permission(perm: str) -> tuple[str, str] | None:
    """`accounts.change_account` -> ("accounts", "change")."""
    app_label, _dot, codename = perm.partition(".")
    action = codename.split("_", 1)[0]
    if not app_label or action not in ACTIONS:
        return None
    return app_label, action


class RolePermissionBackend:
    """Answers `has_perm` from the role of the membership of the current request's tenant."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        membership = current_membership()
        if membership is None or not user_obj.is_active or membership.user_id != user_obj.pk:
            return False
        return object_permitted(membership, perm, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        membership = current_membership()
        if membership is None or membership.user_id != user_obj.pk:
            return False
        return any(role_reach(membership.role, app_label, action) for action in ACTIONS)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()


def object_permitted(membership: Any, perm: str, obj: Any = None, *, with_manual_shares: bool = True) -> bool:
    """The role's reach for the action, applied to the object (ownership, management chain, and for
    changes the organisation-wide default, sharing rules and, unless left out, manual shares)."""
    parsed = split_permission(perm)
    if parsed is None:
        return False
    reach = role_reach(membership.role, *parsed)
    if reach is None:
        return False
    if obj is None or reach is Reach.ALL:
        return obj is None or _same_tenant(obj, membership.tenant_id)
    if not _same_tenant(obj, membership.tenant_id):
        return False
    owner_id = getattr(obj, "owner_id", None)
    if owner_id is None:
        return False
    if owner_id == membership.user_id:
        return True
    if reach is Reach.TEAM:
        from governance.selectors import membership_subordinate_user_ids

        if owner_id in membership_subordinate_user_ids(membership=membership):
            return True
    if parsed[1] != "change":
        return False
    if _shared_for_writing(membership, obj, owner_id):
        return True
    if with_manual_shares:
        from governance.sharing import has_write_share

        return has_write_share(membership, obj)
    return False


def _same_tenant(obj: Any, tenant_id: int) -> bool:
    return not isinstance(obj, TenantOwnedModel) or obj.tenant_id == tenant_id


def _shared_for_writing(membership: Any, obj: Any, owner_id: int) -> bool:
    """The organisation-wide default or a sharing rule lets this member change others' records."""
    from django.db import connection

    from governance.visibility import SHARED_OWNERS_SQL, organisation_default

    meta = getattr(obj, "_meta", None)
    if meta is None:
        return False
    model_label = meta.label_lower
    if organisation_default(model_label) == "read_write":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT %s IN ({SHARED_OWNERS_SQL})",
            [owner_id, model_label, ["read_write"], membership.pk, membership.pk],
        )
        row = cursor.fetchone()
    return bool(row and row[0])
