"""The demo accounts are realistic: valid identifiers, real NAF codes, a group, contacts with consents."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts import identifiers
from accounts.dedup.models import DuplicateCandidate
from accounts.models import Account, Consent, Contact, consolidated_figures
from crm.models import Tenant
from crm.tenancy import tenant_scope

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_valid_french_accounts_once() -> None:
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())

    with tenant_scope(Tenant.objects.get(slug="demo")):
        accounts = list(Account.objects.all())
        group = Account.objects.get(legal_name="Groupe Durand Énergie")
        figures = consolidated_figures(group)
        contacts = Contact.objects.count()
        consents = Consent.objects.count()
        leman = Account.objects.filter(legal_name="Société Générale des Eaux du Léman").count()

    assert len(accounts) == 15  # one of them a duplicate, without SIRET, for the duplicates queue
    for account in (account for account in accounts if account.siret):
        assert identifiers.normalize_siret(account.siret) == account.siret
        assert account.siren == identifiers.siren_from_siret(account.siret)
        assert identifiers.vat_matches_siren(account.vat_number, account.siren)
        assert identifiers.normalize_naf(account.naf_code) == account.naf_code
    assert figures["subsidiaries"] == 3
    assert contacts == 28
    assert consents == 27
    assert leman == 1


def test_the_demo_holds_duplicates_ready_to_merge() -> None:
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())

    with tenant_scope(Tenant.objects.get(slug="demo")):
        pairs = {
            kind: DuplicateCandidate.objects.filter(kind=kind, status="open").count()
            for kind in ("account", "contact")
        }
        printers = DuplicateCandidate.objects.filter(
            kind="account", first_account__legal_name__icontains="imprimerie"
        ).count()

    assert pairs["account"] >= 1
    assert pairs["contact"] >= 1
    assert printers == 1


def test_the_demo_people_are_not_duplicates_of_each_other() -> None:
    call_command("seed_demo", "--password", "demo-crm-2026", stdout=StringIO())

    with tenant_scope(Tenant.objects.get(slug="demo")):
        mobiles = list(Contact.objects.exclude(mobile="").values_list("mobile", flat=True))
        pairs = list(
            DuplicateCandidate.objects.filter(kind="contact", status="open").values_list(
                "first_contact__last_name", "second_contact__last_name"
            )
        )

    assert len(mobiles) == len(set(mobiles))
    assert pairs == [("Garnier", "GARNIER")]  # only the buyer entered twice at the printer's
