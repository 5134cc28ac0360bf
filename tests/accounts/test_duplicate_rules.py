"""Duplicate rules per tenant (spec 4.2.1): a tenant turns reasons off and sets how close names must be;
the nightly scan follows (a rule turned off closes its pairs), another tenant keeps the defaults; the
settings live in the tenant admin, one row per tenant, with history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from accounts.dedup.models import DuplicateCandidate, DuplicateRules
from accounts.dedup.rules import duplicate_rules
from accounts.dedup.scan import duplicate_scan
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory
from tests.accounts.test_duplicate_scan import head_office, pairs

pytestmark = pytest.mark.django_db


def websites_and_names(tenant, owner) -> None:
    with tenant_scope(tenant):
        AccountFactory(owner=owner, website="https://www.eaux-leman.fr")
        AccountFactory(owner=owner, website="http://eaux-leman.fr/contact")
        head_office(AccountFactory(owner=owner, legal_name="Boulangerie Martin"), "59000")
        head_office(AccountFactory(owner=owner, legal_name="Boulangeries Martin Frères"), "59000")


def reasons(tenant) -> list[str]:
    with tenant_scope(tenant):
        duplicate_scan()
        return sorted(
            reason
            for _score, found, status in pairs().values()
            if status == DuplicateCandidate.Status.OPEN
            for reason in found
        )


def test_without_settings_every_rule_is_on(tenant) -> None:
    with tenant_scope(tenant):
        rules = duplicate_rules()
    assert rules.enabled == {"siren", "vat", "website", "name_postcode", "email", "phone", "name_account"}
    assert rules.name_similarity == 0.6


def test_a_tenant_turns_a_rule_off_and_tightens_names_and_the_scan_follows(
    tenant, other_tenant, member
) -> None:
    owner, foreign_owner = member(tenant, Role.SALES_DIRECTOR), member(other_tenant, Role.SALES_DIRECTOR)
    websites_and_names(tenant, owner.user)
    websites_and_names(other_tenant, foreign_owner.user)
    loose = reasons(tenant)
    assert loose == ["name_postcode", "website"]

    with tenant_scope(tenant):
        DuplicateRules.objects.create(account_same_website=False, name_similarity=Decimal("0.90"))

    assert reasons(tenant) == []  # both pairs closed on the next scan
    assert reasons(other_tenant) == ["name_postcode", "website"]  # the other company keeps its rules


def test_the_rules_are_set_once_in_the_tenant_admin_with_their_history(tenant, member) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    client = Client(headers={"accept-language": "fr"})
    client.force_login(admin.user)
    url = "/t/durand/admin/accounts/duplicaterules/add/"
    form = client.get(url)
    assert form.status_code == 200
    assert "Comptes : même numéro de TVA" in form.text  # capitalised by the admin

    refused = client.post(url, {"name_similarity": "0.99", "account_same_siren": "on"})
    assert refused.status_code == 200
    assert "0,95" in refused.text or "0.95" in refused.text
    saved = client.post(url, {"name_similarity": "0.80", "account_same_siren": "on"})
    assert saved.status_code == 302
    with tenant_scope(tenant):
        rules = DuplicateRules.objects.get()
        assert (rules.account_same_vat, rules.name_similarity) == (False, Decimal("0.80"))
        assert rules.history.get().history_user == admin.user
    assert client.get(url).status_code == 403  # one row per company: change it, do not add another


def test_the_create_time_checks_follow_the_rules_too(tenant, member) -> None:
    from accounts.duplicates import account_duplicates, contact_duplicate_reasons_many

    owner = member(tenant, Role.SALES_DIRECTOR)
    websites_and_names(tenant, owner.user)
    data = {"legal_name": "Boulangerie Martin", "postal_code": "59000", "website": "eaux-leman.fr"}
    with tenant_scope(tenant):
        before = sorted(reason for item in account_duplicates(data) for reason in item.reasons)
        DuplicateRules.objects.create(account_same_website=False, contact_same_email=False)
        after = sorted(reason for item in account_duplicates(data) for reason in item.reasons)
        from tests.accounts.factories import ContactFactory

        ContactFactory(email="anne@leman.fr")
        contact_reasons = contact_duplicate_reasons_many([{"email": "anne@leman.fr"}])
    assert len(before) == 4  # the website twice, the name twice
    assert len(after) == 2  # the names only
    assert contact_reasons == [[]]
