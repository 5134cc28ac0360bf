"""The tenant context: one ContextVar and one transaction-local PostgreSQL setting, set together.

`tenant_scope(tenant)` is the only way in. It is entered by the HTML middleware, the API middleware,
the Celery task wrapper and management commands (`--tenant SLUG`). Outside a scope the ORM raises
(`NoTenantError`) and PostgreSQL's row-level security shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, connections, transaction

if TYPE_CHECKING:
    from crm.models import Membership, Tenant, User

_current_tenant: ContextVar[Tenant | None] = ContextVar("crm_current_tenant", default=None)
_current_membership: ContextVar[Membership | None] = ContextVar("crm_current_membership", default=None)
_identity_user_id: ContextVar[int | None] = ContextVar("crm_identity_user_id", default=None)


class NoTenantError(RuntimeError):
    """A tenant-owned table was queried outside `tenant_scope()`."""


def current_tenant() -> Tenant:
    tenant = _current_tenant.get()
    if tenant is None:
        raise NoTenantError("No tenant is active: wrap this code in crm.tenancy.tenant_scope(tenant).")
    return tenant


def current_tenant_or_none() -> Tenant | None:
    return _current_tenant.get()


def current_membership() -> Membership | None:
    return _current_membership.get()


def _set_database_scope(using: str, tenant_id: int | None, user_id: int | None) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('app.tenant_id', %s, true), set_config('app.user_id', %s, true)",
            ["" if tenant_id is None else str(tenant_id), "" if user_id is None else str(user_id)],
        )


def _hand_back_outer_scope(using: str) -> None:
    """After a nested scope ends normally inside a longer transaction, put back the outer scope's
    settings (or none). When a scope ends with an exception its savepoint is rolled back, and
    PostgreSQL itself restores the settings: touching the aborted transaction would hide the error."""
    if connections[using].in_atomic_block:
        outer = _current_tenant.get()
        _set_database_scope(using, outer.pk if outer else None, None if outer else _identity_user_id.get())


@contextmanager
def tenant_scope(
    tenant: Tenant, *, membership: Membership | None = None, using: str = DEFAULT_DB_ALIAS
) -> Iterator[Tenant]:
    """Open a transaction in which `tenant` is the only tenant the ORM and PostgreSQL will show."""
    if membership is not None and membership.tenant_id != tenant.pk:
        raise ValueError("The membership does not belong to this tenant.")
    tenant_token = _current_tenant.set(tenant)
    membership_token = _current_membership.set(membership)
    try:
        with transaction.atomic(using=using):
            # app.user_id stays empty: inside a tenant, a user's memberships elsewhere are invisible.
            _set_database_scope(using, tenant.pk, None)
            yield tenant
    finally:
        _current_membership.reset(membership_token)
        _current_tenant.reset(tenant_token)
    _hand_back_outer_scope(using)


@contextmanager
def identity_scope(user: User, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A transaction in which PostgreSQL shows the user's own memberships, and no tenant's data.

    Used before a tenant is chosen: the tenant picker and the membership check of each request.
    """
    tenant_token = _current_tenant.set(None)
    membership_token = _current_membership.set(None)
    identity_token = _identity_user_id.set(user.pk)
    try:
        with transaction.atomic(using=using):
            _set_database_scope(using, None, user.pk)
            yield
    finally:
        _identity_user_id.reset(identity_token)
        _current_membership.reset(membership_token)
        _current_tenant.reset(tenant_token)
    _hand_back_outer_scope(using)
