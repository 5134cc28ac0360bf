"""Several addresses per account: head office, billing, other sites; added, changed and removed from the
account page by those who may change the account; French postal codes checked; one head office; the
territory follows the head office."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Account, Address, TerritoryRule
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import Territory
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
SITE = {"kind": "site", "label": "Entrepôt", "line1": "4 rue du Port", "postal_code": "69007", "city": "Lyon"}


@pytest.fixture
def owned(tenant, member):
    rep = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        account = AccountFactory(owner=rep.user)
    client = Client()
    client.force_login(rep.user)
    return rep, account, client


def test_sites_and_billing_addresses_are_added_and_shown(tenant, owned) -> None:
    _rep, account, client = owned
    base = f"/t/durand/accounts/{account.pk}/addresses/"

    site = client.post(f"{base}new/", {**SITE, "country": "FR"})
    billing = client.post(
        f"{base}new/",
        {
            "kind": "billing",
            "line1": "Service comptable",
            "postal_code": "1000",
            "city": "Bruxelles",
            "country": "BE",
        },
    )

    assert site.status_code == billing.status_code == 302
    page = client.get(f"/t/durand/accounts/{account.pk}/", **ENGLISH).text
    assert "Entrepôt" in page
    assert "Bruxelles" in page
    with tenant_scope(tenant):
        assert sorted(Address.objects.filter(account=account).values_list("kind", flat=True)) == [
            "billing",
            "site",
        ]


def test_a_wrong_french_postal_code_and_a_second_head_office_are_refused(tenant, owned) -> None:
    _rep, account, client = owned
    with tenant_scope(tenant):
        Address.objects.create(
            account=account, kind="head_office", line1="1 place", postal_code="75001", city="Paris"
        )
    base = f"/t/durand/accounts/{account.pk}/addresses/new/"

    bad = client.post(base, {**SITE, "postal_code": "6907", "country": "FR"}, **ENGLISH)
    second = client.post(base, {**SITE, "kind": "head_office", "country": "FR"}, **ENGLISH)

    assert bad.status_code == second.status_code == 200
    assert "5 digits" in bad.text
    assert "already has a head office" in second.text
    with tenant_scope(tenant):
        assert Address.objects.filter(account=account).count() == 1


def test_moving_or_removing_the_head_office_moves_the_territory(tenant, owned) -> None:
    _rep, account, client = owned
    with tenant_scope(tenant):
        south = Territory.objects.create(name="Sud")
        TerritoryRule.objects.create(territory=south, country="FR", postal_code_prefix="13")
        office = Address.objects.create(
            account=account, kind="head_office", line1="1 place", postal_code="75001", city="Paris"
        )
    url = f"/t/durand/accounts/{account.pk}/addresses/{office.pk}/"

    moved = client.post(
        url,
        {
            "kind": "head_office",
            "line1": "2 quai",
            "postal_code": "13002",
            "city": "Marseille",
            "country": "FR",
        },
    )
    with tenant_scope(tenant):
        placed = Account.objects.get(pk=account.pk).territory_id
    removed = client.post(f"{url}remove/")

    assert moved.status_code == removed.status_code == 302
    assert placed == south.pk
    with tenant_scope(tenant):
        assert Account.objects.get(pk=account.pk).territory_id is None
        assert Address.history.filter(id=office.pk, history_type="-").get().history_user == owned[0].user


def test_addresses_need_the_right_to_change_the_account(tenant, other_tenant, member, owned) -> None:
    _rep, account, _client = owned
    finance = Client()
    finance.force_login(member(tenant, Role.FINANCE).user)
    assert finance.get(f"/t/durand/accounts/{account.pk}/addresses/new/").status_code == 403
    stranger = Client()
    stranger.force_login(member(tenant, Role.FIELD_SALES_REP).user)
    assert stranger.get(f"/t/durand/accounts/{account.pk}/addresses/new/").status_code == 404
    foreigner = member(other_tenant, Role.SALES_DIRECTOR)
    with tenant_scope(other_tenant):
        elsewhere = AccountFactory(owner=foreigner.user)
        address = Address.objects.create(
            account=elsewhere, kind="site", line1="x", postal_code="75001", city="P"
        )
    assert owned[2].get(f"/t/durand/accounts/{account.pk}/addresses/{address.pk}/").status_code == 404
