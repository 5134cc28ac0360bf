"""Login, lockout, logout, password reset, audit of logins, CSRF, landing and tenant picker."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from crm.models import Membership
from crm.roles import Role
from crm.services import membership_update
from crm.tenancy import tenant_scope
from governance.models import SecurityEvent
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def log_in(client: Client, email: str, password: str = PASSWORD, **headers: str):
    return client.post("/login/", {"username": email, "password": password}, **headers)


def test_the_login_page_is_french_by_default_and_english_on_request() -> None:
    french = Client().get("/login/")
    english = Client().get("/login/", headers={"accept-language": "en"})

    assert french.status_code == 200
    assert '<html lang="fr">' in french.text
    assert "Se connecter" in french.text
    assert '<html lang="en">' in english.text
    assert "Log in" in english.text


def test_a_member_of_one_tenant_lands_in_it(tenant, member) -> None:
    membership = member(tenant)
    client = Client()

    response = log_in(client, membership.user.email)
    assert response.status_code == 302
    assert response.url == "/"
    landing = client.get("/")

    assert landing.status_code == 302
    assert landing.url == "/t/durand/"
    home = client.get("/t/durand/")
    assert home.status_code == 200
    assert "Durand Industries" in home.text


def test_a_member_of_several_tenants_chooses_one(tenant, other_tenant, member) -> None:
    membership = member(tenant)
    with tenant_scope(other_tenant):
        MembershipFactory(tenant=other_tenant, user=membership.user, role=Role.FINANCE)
    client = Client()
    log_in(client, membership.user.email)

    picker = client.get("/")

    assert picker.status_code == 200
    assert 'href="/t/durand/"' in picker.text
    assert 'href="/t/martin/"' in picker.text


def test_login_is_case_insensitive_on_the_email_and_recorded(tenant, member) -> None:
    membership = member(tenant)

    response = log_in(Client(), membership.user.email.upper())

    assert response.status_code == 302
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_SUCCEEDED)
    assert event.user_id == membership.user_id
    assert event.ip_address == "127.0.0.1"


def test_a_wrong_password_is_refused_and_recorded(tenant, member) -> None:
    membership = member(tenant)

    response = log_in(Client(), membership.user.email, "wrong-password", headers={"accept-language": "en"})

    assert response.status_code == 200
    assert "Wrong email or password" in response.text
    assert "_auth_user_id" not in response.wsgi_request.session
    assert list(SecurityEvent.objects.values_list("kind", "email")) == [
        (SecurityEvent.Kind.LOGIN_FAILED, membership.user.email)
    ]


@pytest.mark.parametrize("known", [True, False], ids=["known email", "unknown email"])
def test_ten_wrong_passwords_lock_the_login_without_revealing_the_email_exists(
    tenant, member, known: bool
) -> None:
    email = member(tenant).user.email if known else "nobody@example.com"
    client = Client(headers={"accept-language": "en"})
    for _attempt in range(10):
        log_in(client, email, "wrong-password")

    locked = log_in(client, email, PASSWORD)

    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    assert "blocked for 15 minutes" in locked.text
    assert "_auth_user_id" not in locked.wsgi_request.session
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).exists()


def test_logout_ends_the_session(tenant, member) -> None:
    membership = member(tenant)
    client = Client()
    log_in(client, membership.user.email)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert client.get("/t/durand/").status_code == 302  # back to the login page
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGOUT, user=membership.user).exists()


def test_a_deactivated_membership_loses_access_at_the_next_request(tenant, member) -> None:
    membership = member(tenant)
    admin = member(tenant, Role.TENANT_ADMIN)
    client = Client()
    client.force_login(membership.user)
    assert client.get("/t/durand/").status_code == 200

    with tenant_scope(tenant):
        membership_update(membership=membership, is_active=False, actor=admin.user)

    assert client.get("/t/durand/").status_code == 404


def test_a_deactivated_user_is_logged_out_at_the_next_request(tenant, member) -> None:
    membership = member(tenant)
    client = Client()
    client.force_login(membership.user)
    membership.user.is_active = False
    membership.user.save(update_fields=["is_active"])

    response = client.get("/t/durand/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_password_reset_sends_a_link_only_to_known_emails_and_answers_the_same(tenant, member) -> None:
    membership = member(tenant)

    known = Client().post("/password-reset/", {"email": membership.user.email})
    unknown = Client().post("/password-reset/", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == "/password-reset/sent/"
    assert [message.to for message in mail.outbox] == [[membership.user.email]]
    assert "/password-reset/" in mail.outbox[0].body


def test_a_stale_csrf_token_gets_a_clear_message_and_nothing_is_written(tenant, member) -> None:
    membership = member(tenant)
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})

    response = client.post("/login/", {"username": membership.user.email, "password": PASSWORD})

    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert "Nothing was saved" in response.text
    assert "_auth_user_id" not in client.session
    assert not SecurityEvent.objects.exists()


def test_security_headers_and_csp_without_inline_scripts() -> None:
    response = Client().get("/login/")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in response.text  # every script is a file under /static/
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_membership_is_the_users_own(tenant, member) -> None:
    membership = member(tenant)
    with tenant_scope(tenant):
        assert Membership.objects.get(user=membership.user).role == Role.FIELD_SALES_REP


def test_changing_the_case_of_the_email_does_not_escape_the_lockout(tenant, member) -> None:
    email = member(tenant).user.email
    client = Client(headers={"accept-language": "en"})
    for attempt in range(10):
        log_in(client, email.upper() if attempt % 2 else email, "wrong-password")

    locked = log_in(client, email.title(), PASSWORD)

    assert locked.status_code == 429
    assert "_auth_user_id" not in locked.wsgi_request.session


def test_an_invited_person_without_a_password_can_set_one_by_reset(tenant) -> None:
    from django.core.management import call_command

    call_command("create_user", "--tenant", "durand", "invite@example.com", "--role", "finance")

    response = Client().post("/password-reset/", {"email": "Invite@Example.com"})

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["invite@example.com"]]


def test_the_superuser_flag_opens_nothing_by_itself(tenant, member) -> None:
    membership = member(tenant, Role.FINANCE)
    membership.user.is_superuser = True
    membership.user.save(update_fields=["is_superuser"])

    outside = membership.user.has_perm("accounts.view_account")
    with tenant_scope(tenant, membership=membership):
        finance_cannot_edit = membership.user.has_perm("accounts.change_account")
        finance_can_read = membership.user.has_perm("accounts.view_account")

    assert (outside, finance_cannot_edit, finance_can_read) == (False, False, True)
