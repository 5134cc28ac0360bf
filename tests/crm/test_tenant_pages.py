"""Tenant pages and the tenant-scoped admin: members only, foreign rows are 404, never 403."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.models import Membership, Tenant
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import Team
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
    assert "Martin &amp; Fils" not in foreign.text  # the other tenant; Faker names may contain "Martin"


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

    # Each home widget costs a fixed number of queries (today's agenda 2, my tasks 2, my activity 1…).
    with django_assert_max_num_queries(25) as many:
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


def test_a_manager_sees_their_team_on_the_home_page(tenant, client_of, member) -> None:
    client, manager = client_of(tenant, Role.SALES_MANAGER)
    report = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    member(tenant, Role.INSIDE_SALES_REP, manager=report)

    response = client.get("/t/durand/", headers={"accept-language": "en"})

    assert "Your team" in response.text
    assert "2 people work below you." in response.text
    assert report.user.full_name in response.text
    assert "Administration" not in response.text


def test_a_rep_has_no_team_or_admin_widget(tenant, client_of) -> None:
    client, _rep = client_of(tenant, Role.FIELD_SALES_REP)

    response = client.get("/t/durand/", headers={"accept-language": "en"})

    # The rep's own widgets (e.g. their overdue opportunities) only: no team, no administration.
    templates = [w["template"] for w in response.context["widgets"]]
    assert [t for t in templates if t.startswith("governance/")] == []
    assert "Your team" not in response.text


def test_a_tenant_admin_sees_the_administration_summary(tenant, other_tenant, client_of, member) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)
    member(tenant)
    member(other_tenant)
    Client().post("/login/", {"username": _admin.user.email, "password": "wrong"})

    response = client.get("/t/durand/", headers={"accept-language": "en"})

    admin_widget = next(
        w for w in response.context["widgets"] if w["template"] == "governance/home_admin.html"
    )
    assert (admin_widget["active_members"], admin_widget["teams"], admin_widget["failed_logins"]) == (2, 0, 1)
    assert 'href="/t/durand/admin/crm/membership/"' in response.text


def test_a_tenant_admin_edits_only_their_own_company_settings(tenant, other_tenant, client_of) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)

    listing = client.get("/t/durand/admin/crm/tenant/")
    foreign = client.get(f"/t/durand/admin/crm/tenant/{other_tenant.pk}/change/")
    saved = client.post(
        f"/t/durand/admin/crm/tenant/{tenant.pk}/change/",
        {
            "name": "Durand Industries SA",
            "country": "BE",
            "currency": "EUR",
            "language": "en",
            "time_zone": "Europe/Brussels",
        },
    )

    assert "Durand Industries" in listing.text
    assert "Martin &amp; Fils" not in listing.text
    assert foreign.status_code == 404
    assert saved.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.language, tenant.time_zone, tenant.slug) == (
        "Durand Industries SA",
        "en",
        "Europe/Brussels",
        "durand",
    )


def test_an_idle_session_expires(tenant, client_of) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client, _membership = client_of(tenant)
    assert client.get("/t/durand/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/t/durand/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_activity_renews_the_session_at_most_once_a_minute(tenant, client_of, monkeypatch) -> None:
    # The idle timeout slides, but a page does not write its session every time (one UPDATE per
    # request was most of a trivial page's cost in the benchmark).
    from django.contrib.sessions.models import Session

    client, _membership = client_of(tenant)
    client.get("/t/durand/")
    expiry = Session.objects.get().expire_date
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/t/durand/").status_code == 200
    assert Session.objects.get().expire_date == expiry
    assert not [
        query
        for query in queries.captured_queries
        if "django_session" in query["sql"] and "UPDATE" in query["sql"]
    ]

    later = time.time() + 61
    monkeypatch.setattr("crm.middleware.time.time", lambda: later)
    client.get("/t/durand/")

    assert Session.objects.get().expire_date > expiry


def test_a_server_error_shows_the_bilingual_page_without_a_trace(tenant, client_of, settings) -> None:
    settings.ROOT_URLCONF = "tests.crm.failing_urls"
    client, _membership = client_of(tenant)
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Une erreur est survenue" in response.text
    assert "Something went wrong" in response.text
    assert "Traceback" not in response.text
    assert "ZeroDivisionError" not in response.text


def test_a_crash_after_a_write_in_a_tenant_page_leaves_nothing_written(tenant, client_of, settings) -> None:
    settings.CRM_TENANT_URLCONF = "tests.crm.tenant_test_urls"
    client, _membership = client_of(tenant)
    client.raise_request_exception = False

    response = client.get("/t/durand/test/crash/")

    assert response.status_code == 500
    with tenant_scope(tenant):
        assert not Team.objects.filter(name="Half-written").exists()


def test_a_streamed_export_is_read_inside_its_tenant_scope(tenant, other_tenant, client_of, settings) -> None:
    settings.CRM_TENANT_URLCONF = "tests.crm.tenant_test_urls"
    with tenant_scope(tenant):
        Team.objects.create(name="Nord")
    with tenant_scope(other_tenant):
        Team.objects.create(name="Secret")
    client, _membership = client_of(tenant)

    response = client.get("/t/durand/test/stream/")

    assert b"".join(response.streaming_content) == b"Nord\n"


@pytest.mark.parametrize("path", ["/t/durand/", "/t/durand/admin/", "/t/durand/admin/crm/membership/add/"])
def test_tenant_pages_have_no_inline_script(tenant, client_of, path: str) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)

    response = client.get(path)

    assert response.status_code == 200
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert inline == []
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_the_admin_has_no_view_on_site_shortcut_across_tenants(tenant, other_tenant, client_of) -> None:
    from django.contrib.contenttypes.models import ContentType

    client, _admin = client_of(tenant, Role.TENANT_ADMIN)
    tenant_type = ContentType.objects.get_for_model(Tenant)

    response = client.get(f"/t/durand/admin/r/{tenant_type.pk}/{other_tenant.pk}/")

    assert response.status_code == 404


def test_a_tenant_admin_invites_a_new_person_in_the_admin(tenant, client_of) -> None:
    client, admin = client_of(tenant, Role.TENANT_ADMIN)

    response = client.post(
        "/t/durand/admin/crm/membership/add/",
        {
            "email": "Nouvelle@Durand.fr",
            "full_name": "Anne Nouvelle",
            "role": Role.INSIDE_SALES_REP,
            "manager": admin.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        created = Membership.objects.select_related("user").get(user__email="nouvelle@durand.fr")
    assert (created.role, created.manager_id, created.user.full_name) == (
        Role.INSIDE_SALES_REP,
        admin.pk,
        "Anne Nouvelle",
    )


def test_adding_an_existing_member_twice_is_refused_with_a_message(tenant, client_of, member) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)
    colleague = member(tenant)

    response = client.post(
        "/t/durand/admin/crm/membership/add/",
        {"email": colleague.user.email, "role": Role.FINANCE, "is_active": "on"},
        headers={"accept-language": "en"},
    )

    assert response.status_code == 200
    assert "already a member of this tenant" in response.text


def test_the_admin_shows_security_events_of_members_only_since_they_joined(
    tenant, other_tenant, client_of, member
):
    from datetime import timedelta

    from django.utils import timezone

    from governance.models import SecurityEvent

    client, _admin = client_of(tenant, Role.TENANT_ADMIN)
    outsider = member(other_tenant)
    newcomer = member(tenant)
    SecurityEvent.objects.create(kind="login_failed", user=outsider.user, ip_address="203.0.113.7")
    SecurityEvent.objects.create(
        kind="login_succeeded",
        user=newcomer.user,
        ip_address="198.51.100.1",
        created_at=newcomer.created_at - timedelta(days=30),
    )
    SecurityEvent.objects.create(
        kind="login_succeeded", user=newcomer.user, ip_address="192.0.2.10", created_at=timezone.now()
    )

    response = client.get("/t/durand/admin/governance/securityevent/")

    assert "192.0.2.10" in response.text
    assert "203.0.113.7" not in response.text
    assert "198.51.100.1" not in response.text


def test_a_new_api_key_is_shown_once_and_never_stored_in_a_cookie(tenant, client_of) -> None:
    client, _admin = client_of(tenant, Role.TENANT_ADMIN)

    response = client.post(
        "/t/durand/admin/crm/apikey/add/", {"name": "ERP", "role": Role.FINANCE}, follow=True
    )

    assert "crm." in response.text
    shown = re.search(r"crm\.\d+\.[0-9a-f]{16}\.[\w-]+", response.text)
    assert shown is not None
    assert all(shown.group(0) not in cookie.value for cookie in client.cookies.values())
    assert client.get("/t/durand/admin/crm/apikey/").text.count(shown.group(0)) == 0
