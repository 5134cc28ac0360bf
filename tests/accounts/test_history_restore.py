"""Restoring a version from the History tab: tenant administrators only, through the services (checks,
optimistic locking), with a new history row naming who restored and why; never a rewrite of the past."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services
from accounts.models import Account, Contact
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def renamed(tenant, member):
    """An account created as « Ancien Nom », then renamed « Nouveau Nom » by its owner."""
    admin = member(tenant, Role.TENANT_ADMIN)
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user, legal_name="Ancien Nom", website="https://ancien.fr")
        services.account_update(
            account=account,
            actor=rep.user,
            data={"legal_name": "Nouveau Nom"},
            expected_version=account.version,
        )
        account.refresh_from_db()
        first = account.history.order_by("history_date", "history_id").first()
    return {"admin": admin, "rep": rep, "account": account, "first": first}


def restore_url(account, history_id) -> str:
    return f"/t/durand/accounts/{account.pk}/history/{history_id}/restore/"


def test_an_admin_restores_an_earlier_version_and_the_history_says_so(tenant, renamed):
    account, admin = renamed["account"], renamed["admin"]
    client = logged_in(admin)
    page = client.get(f"/t/durand/accounts/{account.pk}/?tab=history", **ENGLISH)
    assert restore_url(account, renamed["first"].history_id) in page.content.decode()

    response = client.post(
        restore_url(account, renamed["first"].history_id), {"version": account.version}, **ENGLISH
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"/accounts/{account.pk}/?tab=history")
    with tenant_scope(tenant):
        account.refresh_from_db()
        latest = account.history.order_by("-history_date", "-history_id").first()
        assert account.legal_name == "Ancien Nom"
        assert account.history.count() == 3  # created, renamed, restored: the past is kept
    assert latest.history_user == admin.user
    assert latest.history_change_reason.startswith("Restored the version of")
    shown = client.get(f"/t/durand/accounts/{account.pk}/?tab=history", **FRENCH).content.decode()
    assert "Restaurer cette version" in shown
    assert "Restored the version of" in shown  # the reason, written in the restorer's language


def test_the_restore_goes_through_optimistic_locking(tenant, renamed):
    account = renamed["account"]
    client = logged_in(renamed["admin"])
    stale = account.version - 1
    response = client.post(
        restore_url(account, renamed["first"].history_id), {"version": stale}, follow=True, **ENGLISH
    )
    assert "Someone else changed this account" in response.content.decode()
    with tenant_scope(tenant):
        account.refresh_from_db()
    assert account.legal_name == "Nouveau Nom"


@pytest.mark.parametrize("who", ["director", "owner"])
def test_only_tenant_admins_may_restore(tenant, member, renamed, who):
    # The director sees everything; the owner may edit the account: neither may restore a version.
    someone = member(tenant, Role.SALES_DIRECTOR) if who == "director" else renamed["rep"]
    client = logged_in(someone)
    page = client.get(f"/t/durand/accounts/{renamed['account'].pk}/?tab=history", **ENGLISH)
    assert "Restore this version" not in page.content.decode()
    response = client.post(restore_url(renamed["account"], renamed["first"].history_id), {"version": 2})
    assert response.status_code == 403
    with tenant_scope(tenant):
        assert Account.objects.get(pk=renamed["account"].pk).legal_name == "Nouveau Nom"


def test_a_version_of_another_record_or_tenant_is_refused(tenant, other_tenant, member, renamed):
    account = renamed["account"]
    with tenant_scope(tenant):
        other = AccountFactory(legal_name="Autre")
        foreign_version = other.history.first().history_id
    client = logged_in(renamed["admin"])
    response = client.post(
        restore_url(account, foreign_version), {"version": account.version}, follow=True, **ENGLISH
    )
    assert "This version cannot be restored." in response.content.decode()
    with tenant_scope(other_tenant):
        elsewhere = AccountFactory(legal_name="Ailleurs")
    assert client.post(restore_url(elsewhere, 1), {"version": 1}).status_code == 404


def test_a_contact_version_is_restored_too(tenant, member):
    admin = member(tenant, Role.TENANT_ADMIN)
    with tenant_scope(tenant):
        contact = ContactFactory(job_title="Acheteuse")
        services.contact_update(contact=contact, actor=admin.user, data={"job_title": "Directrice achats"})
        contact.refresh_from_db()
        first = contact.history.order_by("history_date", "history_id").first()
    client = logged_in(admin)
    page = client.get(f"/t/durand/accounts/contacts/{contact.pk}/", **ENGLISH).content.decode()
    assert f"/contacts/{contact.pk}/history/{first.history_id}/restore/" in page
    response = client.post(
        f"/t/durand/accounts/contacts/{contact.pk}/history/{first.history_id}/restore/",
        {"version": contact.version},
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        contact.refresh_from_db()
        assert contact.job_title == "Acheteuse"
        assert Contact.history.filter(id=contact.pk).count() == 3


def test_a_related_record_gone_since_is_left_empty_with_a_warning(tenant, renamed):
    account, admin = renamed["account"], renamed["admin"]
    with tenant_scope(tenant):
        parent = AccountFactory(legal_name="Maison Mère")
        services.account_update(account=account, actor=admin.user, data={"parent": parent})
        account.refresh_from_db()
        with_parent = account.history.order_by("-history_date", "-history_id").first()
        services.account_update(account=account, actor=admin.user, data={"parent": None})
        account.refresh_from_db()
        parent.delete()
    response = logged_in(admin).post(
        restore_url(account, with_parent.history_id), {"version": account.version}, follow=True, **ENGLISH
    )
    assert "no longer exists: it was left empty" in response.content.decode()
    with tenant_scope(tenant):
        account.refresh_from_db()
    assert account.parent_id is None


def test_the_history_names_the_territory_and_offers_no_restore_of_the_current_state(tenant, renamed) -> None:
    from governance.models import Territory

    account, admin = renamed["account"], renamed["admin"]
    with tenant_scope(tenant):
        zone = Territory.objects.create(name="Zone Alpes")
        services.account_update(
            account=account, actor=admin.user, data={"territory": zone, "territory_set_by_hand": True}
        )
        account.refresh_from_db()
        services.account_update(account=account, actor=admin.user, data={})  # a save that changes nothing
        newest = account.history.order_by("-history_date", "-history_id")[1]
    page = logged_in(admin).get(f"/t/durand/accounts/{account.pk}/?tab=history", **ENGLISH).content.decode()

    assert "Zone Alpes" in page
    assert restore_url(account, newest.history_id) not in page
    assert restore_url(account, renamed["first"].history_id) in page
