"""Inline edit of the account and contact overview through htmx: the one-field form, the save through
the services (version check, field errors in the user's language), the fragment that comes back
(with the page's version and the other changed fields out of band), and who may edit what: fields
locked by the field policies, computed ones and disabled ones are not editable; an invisible record
or another tenant's is a 404, a visible one the role may not change a 403; nothing changes then."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from accounts import identifiers, services
from accounts.forms import AccountForm
from accounts.models import Account, Contact
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance.models import FieldPolicy, SensitiveFieldRead
from tests.accounts.factories import AccountFactory, ContactFactory, valid_siret

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ENGLISH = {**HTMX, "HTTP_ACCEPT_LANGUAGE": "en"}
FRENCH = {**HTMX, "HTTP_ACCEPT_LANGUAGE": "fr"}


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def stored(tenant, model, pk: int) -> dict[str, object]:
    with tenant_scope(tenant):
        record = model.objects.get(pk=pk)
        return {
            "version": record.version,
            "history": record.history.count(),
            **{
                name: getattr(record, name)
                for name in (
                    ("legal_name", "siren", "siret", "customer_revenue", "trade_name")
                    if model is Account
                    else ("email", "phone", "job_title")
                )
            },
        }


@pytest.fixture
def rep(tenant, member):
    return member(tenant, Role.FIELD_SALES_REP)


@pytest.fixture
def account(tenant, rep):
    with tenant_scope(tenant):
        return AccountFactory(
            owner=rep.user, legal_name="Boulangerie Petit", customer_revenue=Decimal("1250000")
        )


@pytest.fixture
def contact(tenant, account):
    with tenant_scope(tenant):
        return ContactFactory(account=account, job_title="Gérante", email="anne@petit.fr")


def url(record, field: str) -> str:
    if isinstance(record, Account):
        return f"/t/durand/accounts/{record.pk}/edit/{field}/"
    return f"/t/durand/accounts/contacts/{record.pk}/edit/{field}/"


# The page and the one-field form ----------------------------------------------------------------


def test_the_overview_offers_inline_edit_with_the_edit_page_as_fallback(tenant, rep, account) -> None:
    page = logged_in(rep).get(f"/t/durand/accounts/{account.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert f'hx-get="{url(account, "legal_name")}"' in page.text
    assert f'href="/t/durand/accounts/{account.pk}/edit/"' in page.text
    assert 'id="record-version"' in page.text
    # Computed: the relationship status is shown, never offered for edit.
    assert url(account, "relationship_status_override") not in page.text
    assert "1,250,000.00" in page.text


def test_the_website_links_out_without_referrer(tenant, rep, account) -> None:
    with tenant_scope(tenant):
        Account.objects.filter(pk=account.pk).update(website="https://petit.fr")

    page = logged_in(rep).get(f"/t/durand/accounts/{account.pk}/")

    assert re.search(r'href="https://petit\.fr"\s+rel="noopener noreferrer"', page.text)


def test_a_role_that_may_only_read_sees_no_edit_link(tenant, member, account) -> None:
    page = logged_in(member(tenant, Role.FINANCE)).get(f"/t/durand/accounts/{account.pk}/")

    assert page.status_code == 200
    assert "Boulangerie Petit" in page.text
    assert "/edit/legal_name/" not in page.text
    assert 'class="inline-field__edit"' not in page.text


def test_the_one_field_form_holds_the_field_and_the_version_only(tenant, rep, account) -> None:
    response = logged_in(rep).get(url(account, "legal_name"), {"version": 1}, **ENGLISH)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields) == ["legal_name", "version"]
    assert 'value="Boulangerie Petit"' in response.text
    assert f'hx-post="{url(account, "legal_name")}"' in response.text
    assert "Someone else changed" not in response.text


def test_without_htmx_the_link_opens_the_full_edit_page(tenant, rep, account) -> None:
    response = logged_in(rep).get(url(account, "legal_name"))

    assert response.status_code == 302
    assert response.url == f"/t/durand/accounts/{account.pk}/edit/"


def test_cancel_shows_the_value_again(tenant, rep, account) -> None:
    response = logged_in(rep).get(url(account, "legal_name"), {"display": "1"}, **HTMX)

    assert response.status_code == 200
    assert 'id="field-legal_name"' in response.text
    assert "Boulangerie Petit" in response.text
    assert "<form" not in response.text


# Saving -----------------------------------------------------------------------------------------


def test_saving_returns_the_value_and_the_new_version_out_of_band(tenant, rep, account) -> None:
    response = logged_in(rep).post(
        url(account, "legal_name"), {"legal_name": "  Boulangerie   Petit SAS ", "version": 1}, **ENGLISH
    )

    assert response.status_code == 200
    after = stored(tenant, Account, account.pk)
    assert (after["legal_name"], after["version"], after["history"]) == ("Boulangerie Petit SAS", 2, 2)
    assert "Boulangerie Petit SAS" in response.text
    assert "<form" not in response.text
    assert 'id="record-version"' in response.text
    assert 'value="2"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    with tenant_scope(tenant):
        assert Account.objects.get(pk=account.pk).history.first().history_user == rep.user


def test_a_save_that_changes_another_field_swaps_it_too(tenant, rep, account) -> None:
    siret = valid_siret(3)

    response = logged_in(rep).post(url(account, "siret"), {"siret": siret, "version": 1}, **ENGLISH)

    after = stored(tenant, Account, account.pk)
    assert (after["siret"], after["siren"]) == (siret, siret[:9])
    assert 'id="field-siren"' in response.text
    assert identifiers.format_siren(siret[:9]) in response.text
    # Out of band: the SIREN derived from the SIRET, and the page's version.
    assert response.text.count('hx-swap-oob="true"') == 2


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (ENGLISH, "A SIRET has 14 digits; this one has 3."),
        (FRENCH, "Un SIRET comporte 14 chiffres ; celui-ci en comporte 3."),
    ],
)
def test_a_field_error_shows_in_the_form_in_the_users_language(
    tenant, rep, account, headers, message
) -> None:
    before = stored(tenant, Account, account.pk)

    response = logged_in(rep).post(url(account, "siret"), {"siret": "123", "version": 1}, **headers)

    assert response.status_code == 200
    assert message in response.context["form"].errors["siret"]
    assert "<form" in response.text
    assert stored(tenant, Account, account.pk) == before


def test_a_stale_version_shows_the_current_value_and_changes_nothing(tenant, rep, member, account) -> None:
    with tenant_scope(tenant):
        services.account_update(
            account=account, actor=None, data={"legal_name": "Petit Frères"}, expected_version=1
        )
    before = stored(tenant, Account, account.pk)

    response = logged_in(rep).post(
        url(account, "legal_name"), {"legal_name": "Mon nom", "version": 1}, **ENGLISH
    )

    assert response.status_code == 200
    assert "Someone else changed this account since you opened the page" in response.text
    assert "Petit Frères" in response.text
    # The form now carries the current version: saving again is a deliberate choice.
    assert response.context["form"].initial["version"] == 2
    assert stored(tenant, Account, account.pk) == before


def test_opening_the_form_from_a_stale_page_says_so(tenant, rep, account) -> None:
    with tenant_scope(tenant):
        services.account_update(account=account, actor=None, data={"trade_name": "Petit"}, expected_version=1)

    response = logged_in(rep).get(url(account, "legal_name"), {"version": 1}, **FRENCH)

    assert (
        "Quelqu\u2019un d\u2019autre a modifié ce compte depuis que vous avez ouvert la page" in response.text
    )


def test_the_contact_email_and_phone_are_saved_through_the_service(tenant, rep, contact) -> None:
    client = logged_in(rep)

    phone = client.post(url(contact, "phone"), {"phone": "01 42 68 53 00", "version": 1}, **ENGLISH)
    email = client.post(url(contact, "email"), {"email": "pas-une-adresse", "version": 2}, **FRENCH)

    after = stored(tenant, Contact, contact.pk)
    assert (after["phone"], after["version"], after["email"]) == ("+33142685300", 2, "anne@petit.fr")
    assert 'href="tel:+33142685300"' in phone.text
    assert (
        "Cette adresse e-mail n\u2019est pas valide : pas-une-adresse."
        in email.context["form"].errors["email"]
    )


# Who may edit what ------------------------------------------------------------------------------


def test_a_field_locked_by_the_field_policy_cannot_be_edited_inline(tenant, rep, account) -> None:
    with tenant_scope(tenant):
        FieldPolicy.objects.create(
            model_label="accounts.account",
            field_name="customer_revenue",
            read_roles=[Role.FIELD_SALES_REP],
            edit_roles=[Role.TENANT_ADMIN],
        )
    before = stored(tenant, Account, account.pk)
    client = logged_in(rep)

    page = client.get(f"/t/durand/accounts/{account.pk}/")
    form = client.get(url(account, "customer_revenue"), **HTMX)
    save = client.post(url(account, "customer_revenue"), {"customer_revenue": "1", "version": 1}, **HTMX)

    assert url(account, "customer_revenue") not in page.text
    assert url(account, "legal_name") in page.text
    assert (form.status_code, save.status_code) == (404, 404)
    assert stored(tenant, Account, account.pk) == before


def test_a_field_hidden_from_the_role_is_neither_shown_nor_editable(tenant, rep, account) -> None:
    with tenant_scope(tenant):
        FieldPolicy.objects.create(
            model_label="accounts.account", field_name="customer_revenue", read_roles=[], edit_roles=[]
        )
    client = logged_in(rep)

    page = client.get(f"/t/durand/accounts/{account.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    display = client.get(url(account, "customer_revenue"), {"display": "1"}, **HTMX)

    assert "1,250,000" not in page.text
    assert display.status_code == 404


def test_showing_a_sensitive_field_inline_is_logged(tenant, rep, account) -> None:
    logged_in(rep).get(url(account, "customer_revenue"), {"display": "1"}, **HTMX)

    with tenant_scope(tenant):
        reads = list(SensitiveFieldRead.objects.values_list("user_id", "object_id", "field_name"))
    assert reads == [(rep.user_id, account.pk, "customer_revenue")]


@pytest.mark.parametrize(
    "field", ["relationship_status", "relationship_status_override", "version", "tenant", "parent", "nothing"]
)
def test_computed_or_unknown_fields_are_404(tenant, rep, account, field) -> None:
    before = stored(tenant, Account, account.pk)

    response = logged_in(rep).post(url(account, field), {field: "x", "version": 1}, **HTMX)

    assert response.status_code == 404
    assert stored(tenant, Account, account.pk) == before


def test_a_field_the_form_disables_is_not_editable_inline(tenant, rep, account, monkeypatch) -> None:
    """Per-tenant rules (computed, synchronised) live in the form classes: inline edit obeys them."""
    original = AccountForm.__init__

    def with_a_rule(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        self.fields["trade_name"].disabled = True

    monkeypatch.setattr(AccountForm, "__init__", with_a_rule)
    before = stored(tenant, Account, account.pk)
    client = logged_in(rep)

    page = client.get(f"/t/durand/accounts/{account.pk}/")
    save = client.post(url(account, "trade_name"), {"trade_name": "Autre", "version": 1}, **HTMX)

    assert url(account, "trade_name") not in page.text
    assert url(account, "legal_name") in page.text
    assert save.status_code == 404
    assert stored(tenant, Account, account.pk) == before


def test_an_account_the_member_may_not_see_is_404(tenant, member, account) -> None:
    colleague = member(tenant, Role.FIELD_SALES_REP)
    before = stored(tenant, Account, account.pk)
    client = logged_in(colleague)

    form = client.get(url(account, "legal_name"), **HTMX)
    save = client.post(url(account, "legal_name"), {"legal_name": "Pris", "version": 1}, **HTMX)

    assert (form.status_code, save.status_code) == (404, 404)
    assert "Boulangerie Petit" not in form.text
    assert stored(tenant, Account, account.pk) == before


def test_a_contact_the_member_may_not_see_is_404(tenant, member, contact) -> None:
    before = stored(tenant, Contact, contact.pk)

    response = logged_in(member(tenant, Role.FIELD_SALES_REP)).post(
        url(contact, "job_title"), {"job_title": "Pris", "version": 1}, **HTMX
    )

    assert response.status_code == 404
    assert stored(tenant, Contact, contact.pk) == before


def test_a_visible_account_the_role_may_not_change_is_403(tenant, member, account) -> None:
    before = stored(tenant, Account, account.pk)

    response = logged_in(member(tenant, Role.SUPPORT_AGENT)).post(
        url(account, "legal_name"), {"legal_name": "Pris", "version": 1}, **HTMX
    )

    assert response.status_code == 403
    assert stored(tenant, Account, account.pk) == before


def test_another_tenants_account_is_404(tenant, other_tenant, member, account) -> None:
    stranger = member(other_tenant, Role.TENANT_ADMIN)
    before = stored(tenant, Account, account.pk)
    client = logged_in(stranger)

    response = client.post(
        f"/t/martin/accounts/{account.pk}/edit/legal_name/", {"legal_name": "Pris", "version": 1}, **HTMX
    )

    assert response.status_code == 404
    assert stored(tenant, Account, account.pk) == before


def test_the_contact_overview_offers_inline_edit(tenant, rep, contact) -> None:
    page = logged_in(rep).get(f"/t/durand/accounts/contacts/{contact.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert f'hx-get="{url(contact, "job_title")}"' in page.text
    assert 'href="mailto:anne@petit.fr"' in page.text
    assert f'href="/t/durand/accounts/contacts/{contact.pk}/edit/"' in page.text


def test_the_preferred_channels_are_edited_as_checkboxes(tenant, rep, contact) -> None:
    client = logged_in(rep)

    form = client.get(url(contact, "preferred_channels"), **ENGLISH)
    saved = client.post(
        url(contact, "preferred_channels"),
        {"preferred_channels": ["email", "phone"], "version": 1},
        **ENGLISH,
    )

    assert form.text.count('type="checkbox"') == len(Contact.Channel.choices)
    assert "autofocus" not in form.text
    with tenant_scope(tenant):
        assert Contact.objects.get(pk=contact.pk).preferred_channels == ["email", "phone"]
    assert saved.status_code == 200
    assert "<form" not in saved.text
