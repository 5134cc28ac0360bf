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


@contextmanager
def tenant_scope(
    tenant: Tenant, *, membership: Membership | None = None, using: str = DEFAULT_DB_ALIAS
) -> Iterator[Tenant]:
    """Open a transaction in which `tenant` is the only tenant the ORM and PostgreSQL will show."""
    if membership is not None and membership.tenant_id != tenant.pk:
        raise ValueError("The membership does not belong to this tenant.")
    previous_tenant = _current_tenant.get()
    previous_membership = _current_membership.get()
    tenant_token = _current_tenant.set(tenant)
    membership_token = _current_membership.set(membership)
    try:
        with transaction.atomic(using=using):
            _set_database_scope(using, tenant.pk, membership.user_id if membership else None)
            try:
                yield tenant
            finally:
                # A nested scope inside an outer transaction must hand the outer one back its tenant.
                if connections[using].in_atomic_block and not connections[using].needs_rollback:
                    _set_database_scope(
                        using,
                        previous_tenant.pk if previous_tenant else None,
                        previous_membership.user_id if previous_membership else None,
                    )
    finally:
        _current_membership.reset(membership_token)
        _current_tenant.reset(tenant_token)


@contextmanager
def identity_scope(user: User, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A transaction in which PostgreSQL shows the user's own memberships, and no tenant's data.

    Used before a tenant is chosen: the tenant picker and the membership check of each request.
    """
    with transaction.atomic(using=using):
        _set_database_scope(using, None, user.pk)
        try:
            yield
        finally:
            if connections[using].in_atomic_block and not connections[using].needs_rollback:
                outer = _current_tenant.get()
                outer_membership = _current_membership.get()
                _set_database_scope(
                    using, outer.pk if outer else None, outer_membership.user_id if outer_membership else None
                )
