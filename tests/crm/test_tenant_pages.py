"""Tenant pages and the tenant-scoped admin: members only, foreign rows are 404, never 403."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.models import Membership
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page(tenant) -> None:
    response = Client().get("/t/durand/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/t/durand/"


@pytest.mark.parametrize("path", ["/t/martin/", "/t/martin/admin/", "/t/martin/admin/crm/membership/"])
def test_a_member_of_a_gets_404_on_the_pages_of_b(tenant, other_tenant, client_of, member, path: str) -> None:
    member(other_tenant, Role.TENANT_ADMIN)
    client, _membership = client_of(tenant, Role.TENANT_ADMIN)

    response = client.get(path)

    assert response.status_code == 404


def test_an_unknown_tenant_and_a_foreign_one_answer_the_same(tenant, other_tenant, client_of) -> None:
    client, _membership = client_of(tenant)

    unknown = client.get("/t/does-not-exist/", headers={"accept-language": "en"})
    foreign = client.get("/t/martin/", headers={"accept-language": "en"})

    assert unknown.status_code == foreign.status_code == 404
    main = [response.text.split("<main", 1)[1].split("</main>", 1)[0] for response in (unknown, foreign)]
    assert main[0] == main[1]
    assert "Page not found" in main[1]
    assert "Martin" not in foreign.text


def test_a_tenant_path_without_its_slash_is_completed(tenant, client_of) -> None:
    client, _membership = client_of(tenant)

    response = client.get("/t/durand")

    assert response.status_code == 301
    assert response.url == "/t/durand/"


def test_the_home_page_greets_the_member_with_role_and_tenant(tenant, client_of) -> None:
    client, membership = client_of(tenant, Role.SALES_MANAGER)

    response = client.get("/t/durand/", headers={"accept-language": "en"})

    assert response.status_code == 200
    assert response.context["current_tenant"] == tenant
    assert response.context["current_membership"] == membership
    assert "Sales manager" in response.text
    assert 'href="/t/durand/admin/"' not in response.text  # only tenant admins see the admin link


def test_the_home_page_query_count_does_not_grow_with_memberships(
    tenant, other_tenant, client_of, member, django_assert_max_num_queries
) -> None:
    client, membership = client_of(tenant)
    client.get("/t/durand/")
    with CaptureQueriesContext(connection) as few:
        client.get("/t/durand/")
    for _ in range(15):
        member(tenant)
    with tenant_scope(other_tenant):
        MembershipFactory(tenant=other_tenant, user=membership.user)

    with django_assert_max_num_queries(20) as many:
        response = client.get("/t/durand/")

    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_tenant_admin_sees_only_their_tenants_members_in_the_admin(
    tenant, other_tenant, client_of, member
) -> None:
    client, admin = client_of(tenant, Role.TENANT_ADMIN)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    foreigner = member(other_tenant, Role.FIELD_SALES_REP)

    listing = client.get("/t/durand/admin/crm/membership/")

    assert listing.status_code == 200
    assert colleague.user.email in listing.text
    assert admin.user.email in listing.text
    assert foreigner.user.email not in listing.text
    assert client.get(f"/t/durand/admin/crm/membership/{colleague.pk}/change/").status_code == 200
    assert client.get(f"/t/durand/admin/crm/membership/{foreigner.pk}/change/").status_code == 404


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.TENANT_ADMIN])
def test_only_tenant_admins_reach_the_admin(tenant, client_of, role: str) -> None:
    client, _membership = client_of(tenant, role)

    response = client.get("/t/durand/admin/")

    assert response.status_code == 404


def test_a_tenant_admin_changes_a_role_in_the_admin_with_history(tenant, client_of, member) -> None:
    client, admin = client_of(tenant, Role.TENANT_ADMIN)
    colleague = member(tenant, Role.FIELD_SALES_REP)

    response = client.post(
        f"/t/durand/admin/crm/membership/{colleague.pk}/change/",
        {"role": Role.SALES_MANAGER, "manager": "", "is_active": "on"},
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        colleague = Membership.objects.get(pk=colleague.pk)
        latest = colleague.history.first()
    assert colleague.role == Role.SALES_MANAGER
    assert latest.history_user_id == admin.user_id


def test_a_manager_loop_is_refused_in_the_admin(tenant, client_of, member) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)
    boss = member(tenant, Role.SALES_MANAGER)
    report = member(tenant, Role.FIELD_SALES_REP, manager=boss)

    response = client.post(
        f"/t/durand/admin/crm/membership/{boss.pk}/change/",
        {"role": Role.SALES_MANAGER, "manager": report.pk, "is_active": "on"},
        headers={"accept-language": "en"},
    )

    assert response.status_code == 200
    assert "would make a loop" in response.text
    with tenant_scope(tenant):
        assert Membership.objects.get(pk=boss.pk).manager_id is None
