"""Test database: created and migrated by the owner role; every test then runs as the application role.

Fixtures: `tenant`, `other_tenant`, `member` (a factory of users per role), `client_of` (a logged-in
client for a role in a tenant). Data is created inside `tenant_scope`, as the code under test does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from crm.models import Membership, Tenant
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.factories import MembershipFactory, TenantFactory


@pytest.fixture(scope="session")
def django_db_setup(
    django_test_environment: None, django_db_blocker: Any, request: pytest.FixtureRequest
) -> Iterator[None]:
    keepdb = request.config.getvalue("reuse_db")
    with django_db_blocker.unblock():
        owner = connections["owner"]
        test_name = owner.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keepdb)
        app = connections["default"]
        app.close()
        app.settings_dict["NAME"] = test_name
    yield
    with django_db_blocker.unblock():
        connections["default"].close()
        if not keepdb:
            connections["owner"].creation.destroy_test_db(test_name, verbosity=0, keepdb=False)


@pytest.fixture
def tenant(db: None) -> Tenant:
    return TenantFactory(name="Durand Industries", slug="durand")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return TenantFactory(name="Martin & Fils", slug="martin")


@pytest.fixture
def member(db: None) -> Callable[..., Membership]:
    """member(tenant, role=Role.FIELD_SALES_REP, **kwargs) -> Membership; the user's password is PASSWORD."""

    def make(tenant: Tenant, role: str = Role.FIELD_SALES_REP, **kwargs: Any) -> Membership:
        with tenant_scope(tenant):
            return MembershipFactory(tenant=tenant, role=role, **kwargs)

    return make


@pytest.fixture
def client_of(member: Callable[..., Membership]) -> Callable[..., tuple[Client, Membership]]:
    def make(tenant: Tenant, role: str = Role.FIELD_SALES_REP) -> tuple[Client, Membership]:
        membership = member(tenant, role)
        client = Client()
        client.force_login(membership.user)
        return client, membership

    return make


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    """Lockouts and throttles live in the shared cache: each test starts from an empty one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A page request activates its user's language for the thread: each test starts in the default one."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
