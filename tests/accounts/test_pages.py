"""Account and contact pages, through the browser's door: visibility (404, never 403, for what a member
may not see), role permissions (403 for a visible record the role may not change), the services'
errors on the forms, keyset pagination, query budgets, French and English."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, Address, Consent, Contact, Segment
from accounts.views import PAGE_SIZE
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory, ContactFactory, valid_siret

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def account_of(tenant, membership, **extra) -> Account:
    with tenant_scope(tenant):
        return AccountFactory(owner=membership.user, **extra)


def names_listed(response) -> list[str]:
    return [row["account"].legal_name for row in response.context["rows"]]


@pytest.fixture
def organisation(tenant, member):
    director = member(tenant, Role.SALES_DIRECTOR)
    manager = member(tenant, Role.SALES_MANAGER, manager=director)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    accounts = {
        "rep": account_of(tenant, rep, legal_name="Boulangerie Petit"),
        "manager": account_of(tenant, manager, legal_name="Garage Moreau"),
        "colleague": account_of(tenant, colleague, legal_name="Hôtel Lambert"),
    }
    return {
        "director": director,
        "manager": manager,
        "rep": rep,
        "colleague": colleague,
        "accounts": accounts,
    }


# Who sees what -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("rep", ["Boulangerie Petit"]),
        ("manager", ["Boulangerie Petit", "Garage Moreau"]),
        ("director", ["Boulangerie Petit", "Garage Moreau", "Hôtel Lambert"]),
    ],
)
def test_the_list_shows_the_accounts_each_role_may_see(organisation, who: str, expected: list[str]) -> None:
    response = logged_in(organisation[who]).get("/t/durand/accounts/")

    assert response.status_code == 200
    assert names_listed(response) == expected
    for name in {"Boulangerie Petit", "Garage Moreau", "Hôtel Lambert"} - set(expected):
        assert name not in response.text


def test_the_owner_filter_narrows_to_me_or_my_team(organisation) -> None:
    client = logged_in(organisation["director"])

    mine = client.get("/t/durand/accounts/", {"owner": "me"})
    team = client.get("/t/durand/accounts/", {"owner": "team"})

    assert names_listed(mine) == []
    assert names_listed(team) == ["Boulangerie Petit", "Garage Moreau"]


def test_the_search_goes_through_the_visible_accounts_only(organisation) -> None:
    client = logged_in(organisation["rep"])

    response = client.get("/t/durand/accounts/", {"q": "lambert"})

    assert names_listed(response) == []
    assert (
        "No account matches these filters"
        in client.get("/t/durand/accounts/", {"q": "lambert"}, **ENGLISH).text
    )


def test_anonymous_visitors_are_sent_to_the_login_page(tenant) -> None:
    response = Client().get("/t/durand/accounts/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/t/durand/accounts/"


@pytest.mark.parametrize("suffix", ["", "edit/"])
def test_an_account_of_another_tenant_answers_404(tenant, other_tenant, member, client_of, suffix) -> None:
    stranger = member(other_tenant, Role.SALES_DIRECTOR)
    foreign = account_of(other_tenant, stranger, legal_name="Martin Négoce")
    client, _membership = client_of(tenant, Role.SALES_DIRECTOR)

    response = client.get(f"/t/durand/accounts/{foreign.pk}/{suffix}")

    assert response.status_code == 404
    assert "Martin Négoce" not in response.text


@pytest.mark.parametrize("suffix", ["", "edit/", "?tab=history"])
def test_an_invisible_account_of_a_colleague_answers_404(organisation, suffix) -> None:
    hidden = organisation["accounts"]["colleague"]

    response = logged_in(organisation["rep"]).get(f"/t/durand/accounts/{hidden.pk}/{suffix}")

    assert response.status_code == 404
    assert "Hôtel Lambert" not in response.text


def test_a_visible_account_the_role_may_not_change_answers_403_and_stays_unchanged(
    tenant, organisation, member
) -> None:
    agent = member(tenant, Role.SUPPORT_AGENT)
    account = organisation["accounts"]["rep"]
    client = logged_in(agent)

    page = client.get(f"/t/durand/accounts/{account.pk}/")
    edit = client.post(f"/t/durand/accounts/{account.pk}/edit/", {"legal_name": "Renamed", "version": 1})

    assert page.status_code == 200
    assert f"/t/durand/accounts/{account.pk}/edit/" not in page.text
    assert edit.status_code == 403
    with tenant_scope(tenant):
        assert Account.objects.get(pk=account.pk).legal_name == "Boulangerie Petit"


def test_a_role_without_the_create_permission_gets_403_and_nothing_is_written(tenant, client_of) -> None:
    client, _finance = client_of(tenant, Role.FINANCE)

    page = client.get("/t/durand/accounts/new/")
    post = client.post("/t/durand/accounts/new/", {"legal_name": "Nouvelle SA", "account_type": "prospect"})

    assert (page.status_code, post.status_code) == (403, 403)
    with tenant_scope(tenant):
        assert not Account.objects.exists()


# Creating and editing ------------------------------------------------------------------------------


def account_form_data(membership, **extra) -> dict[str, object]:
    return {
        "legal_name": "Durand Industries",
        "account_type": Account.Type.PROSPECT,
        "owner": membership.user_id,
        "currency": "EUR",
        **extra,
    }


def test_creating_with_an_invalid_siret_shows_the_field_error_and_writes_nothing(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    wrong = valid_siret(1)[:-1] + str((int(valid_siret(1)[-1]) + 1) % 10)

    response = client.post("/t/durand/accounts/new/", account_form_data(rep, siret=wrong), **ENGLISH)

    assert response.status_code == 200
    siret_errors = response.context["form"].errors["siret"]
    assert len(siret_errors) == 1
    assert 'id="id_siret_error"' in response.text
    with tenant_scope(tenant):
        assert not Account.objects.exists()


def test_creating_an_account_redirects_to_it_and_records_who_did_it(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    siret = valid_siret(2)
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"

    response = client.post(
        "/t/durand/accounts/new/", account_form_data(rep, siret=spaced, customer_revenue="1250000")
    )

    with tenant_scope(tenant):
        account = Account.objects.get()
        record = account.history.get()
    assert response.status_code == 302
    assert response.url == f"/t/durand/accounts/{account.pk}/"
    assert (account.legal_name, account.siret, account.siren) == ("Durand Industries", siret, siret[:9])
    assert account.customer_revenue == Decimal("1250000")
    assert (record.history_type, record.history_user_id) == ("+", rep.user_id)


def test_editing_with_a_stale_version_shows_the_conflict_and_changes_nothing(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    account = account_of(tenant, rep, legal_name="Boulangerie Petit")
    with tenant_scope(tenant):
        Account.objects.filter(pk=account.pk).update(version=2)  # someone saved meanwhile

    response = client.post(
        f"/t/durand/accounts/{account.pk}/edit/",
        account_form_data(rep, legal_name="Boulangerie Grand", version=1),
        **ENGLISH,
    )

    assert response.status_code == 200
    assert "Someone else changed this account since you opened it" in response.text
    with tenant_scope(tenant):
        current = Account.objects.get(pk=account.pk)
        assert (current.legal_name, current.version) == ("Boulangerie Petit", 2)
        assert current.history.count() == 1


def test_editing_shows_the_change_in_the_history_with_field_names_and_author(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    client.post("/t/durand/accounts/new/", account_form_data(rep, legal_name="Boulangerie Petit"))
    with tenant_scope(tenant):
        account = Account.objects.get()

    saved = client.post(
        f"/t/durand/accounts/{account.pk}/edit/",
        account_form_data(rep, legal_name="Boulangerie Grand", account_type="customer", version=1),
    )
    history = client.get(f"/t/durand/accounts/{account.pk}/?tab=history", **ENGLISH)

    assert saved.status_code == 302
    first = history.context["history"][0]
    assert first["user"] == rep.user
    assert {(str(change["field"]), change["old"], change["new"]) for change in first["changes"]} == {
        ("legal name", "Boulangerie Petit", "Boulangerie Grand"),
        ("type", "Prospect", "Customer"),
    }
    assert "Boulangerie Petit" in history.text
    assert "Boulangerie Grand" in history.text


# Detail page ---------------------------------------------------------------------------------------


def test_the_overview_formats_identifiers_naf_and_money_in_french(tenant, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    siret = valid_siret(3)
    account = account_of(
        tenant,
        director,
        legal_name="Durand SA",
        siret=siret,
        siren=siret[:9],
        naf_code="62.01Z",
        naf_version="NAFRev2",
        account_type=Account.Type.CUSTOMER,
        customer_revenue=Decimal("1250000.00"),
        relationship_status_override=Account.RelationshipStatus.AT_RISK,
    )

    response = client.get(f"/t/durand/accounts/{account.pk}/", **FRENCH)

    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}" in response.text
    assert "62.01Z — Programmation informatique" in response.text
    assert "1\u00a0250\u00a0000,00\u00a0€" in response.text


def test_the_overview_in_english(tenant, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    account = account_of(
        tenant,
        director,
        legal_name="Durand SA",
        account_type=Account.Type.CUSTOMER,
        customer_revenue=Decimal("1250000.00"),
        relationship_status_override=Account.RelationshipStatus.AT_RISK,
    )

    response = client.get(f"/t/durand/accounts/{account.pk}/", **ENGLISH)

    assert '<html lang="en">' in response.text
    for label in ("Identification", "Business tracking", "Relationship status", "At risk", "(set by hand)"):
        assert label in response.text
    assert "€1,250,000.00" in response.text


def test_the_group_tab_shows_the_parent_chain_subsidiaries_and_consolidated_totals(tenant, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    top = account_of(tenant, director, legal_name="Holding Durand", customer_revenue=Decimal("100"))
    middle = account_of(
        tenant, director, legal_name="Durand France", parent=top, customer_revenue=Decimal("20")
    )
    account_of(tenant, director, legal_name="Durand Lyon", parent=middle, customer_revenue=Decimal("3"))

    response = client.get(f"/t/durand/accounts/{middle.pk}/?tab=group", **ENGLISH)

    assert [link["account"].legal_name for link in response.context["chain"]] == ["Holding Durand"]
    assert [row["account"].legal_name for row in response.context["subsidiaries"]] == ["Durand Lyon"]
    assert response.context["consolidated_count"] == 1
    assert response.context["consolidated_revenue"] == "€23.00"


def test_a_tab_asked_by_htmx_renders_only_the_panel(tenant, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    account = account_of(tenant, director, legal_name="Durand SA")

    response = client.get(f"/t/durand/accounts/{account.pk}/?tab=contacts", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="account-tabs">')
    assert "<html" not in response.text


# Pagination and query budgets ----------------------------------------------------------------------


def make_accounts(tenant, membership, count: int) -> None:
    with tenant_scope(tenant):
        segment = Segment.objects.create(tenant=tenant, name="PME")
        for index in range(count):
            account = AccountFactory(owner=membership.user, segment=segment, legal_name=f"Client {index:03d}")
            Address.objects.create(
                tenant=tenant,
                account=account,
                kind=Address.Kind.HEAD_OFFICE,
                line1="1 rue",
                postal_code="69001",
                city=f"Lyon {index}",
            )


def test_the_list_pages_by_keyset_and_shows_the_head_office_city(tenant, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    make_accounts(tenant, director, 52)

    first = client.get("/t/durand/accounts/")
    second = client.get("/t/durand/accounts/" + first.context["next_url"])

    assert len(first.context["rows"]) == 50
    assert names_listed(second) == ["Client 050", "Client 051"]
    assert second.context["next_url"] is None
    assert first.context["rows"][0]["account"].head_office_city == "Lyon 0"
    assert "Lyon 51" in second.text


def test_the_list_sorts_by_creation_date_newest_first(tenant, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    make_accounts(tenant, director, 3)

    response = client.get("/t/durand/accounts/", {"sort": "-created"})

    assert names_listed(response) == ["Client 002", "Client 001", "Client 000"]


def test_a_tampered_cursor_shows_the_first_page(tenant, client_of) -> None:
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    make_accounts(tenant, director, 2)

    response = client.get("/t/durand/accounts/", {"after": "not-a-cursor"})

    assert names_listed(response) == ["Client 000", "Client 001"]


def count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize("path", ["/t/durand/accounts/", "/t/durand/accounts/contacts/"])
def test_list_pages_cost_the_same_queries_for_1_or_30_rows(
    tenant, member, django_assert_max_num_queries, path: str
) -> None:
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    client = logged_in(manager)
    make_accounts(tenant, rep, 1)
    with tenant_scope(tenant):
        ContactFactory(account=Account.objects.get(), phone="+33142685300")
    one = count_queries(client, path)

    with tenant_scope(tenant):
        segment = Segment.objects.get()
        for index in range(29):
            account = AccountFactory(owner=rep.user, segment=segment, legal_name=f"Autre {index:03d}")
            Address.objects.create(
                tenant=tenant,
                account=account,
                kind=Address.Kind.HEAD_OFFICE,
                line1="2 rue",
                postal_code="75001",
                city="Paris",
            )
            ContactFactory(account=account, phone="+33142685300")

    with django_assert_max_num_queries(one):
        response = client.get(path)
    assert len(response.context["rows"]) == 30


# Contacts ------------------------------------------------------------------------------------------


def test_the_add_contact_button_preselects_the_account(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    account = account_of(tenant, rep, legal_name="Boulangerie Petit")

    detail = client.get(f"/t/durand/accounts/{account.pk}/")
    form = client.get(f"/t/durand/accounts/contacts/new/?account={account.pk}")

    assert f"/t/durand/accounts/contacts/new/?account={account.pk}" in detail.text
    assert form.context["form"]["account"].value() == account.pk


def test_creating_a_contact_normalises_the_phone_and_shows_it_in_national_format(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    account = account_of(tenant, rep, legal_name="Boulangerie Petit")

    response = client.post(
        "/t/durand/accounts/contacts/new/",
        {
            "first_name": "Anne",
            "last_name": "Durand",
            "email": "anne.durand@petit.fr",
            "account": account.pk,
            "owner": rep.user_id,
            "language": "fr",
            "phone": "01 42 68 53 00",
            "relationship_status": Contact.RelationshipStatus.COLD_LEAD,
        },
    )

    with tenant_scope(tenant):
        contact = Contact.objects.get()
    assert response.status_code == 302
    assert contact.phone == "+33142685300"
    detail = client.get(response.url)
    assert "01 42 68 53 00" in detail.text


def test_a_contact_of_an_invisible_account_answers_404(organisation, tenant) -> None:
    with tenant_scope(tenant):
        hidden = ContactFactory(account=organisation["accounts"]["colleague"], last_name="Lambert")

    client = logged_in(organisation["rep"])

    assert client.get(f"/t/durand/accounts/contacts/{hidden.pk}/").status_code == 404
    assert (
        client.post(
            f"/t/durand/accounts/contacts/{hidden.pk}/consents/",
            {"purpose": "marketing_email", "status": "granted", "source": "salon"},
        ).status_code
        == 404
    )
    with tenant_scope(tenant):
        assert not Consent.objects.exists()


def test_recording_a_consent_shows_it_and_keeps_who_recorded_it(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=rep.user), owner=rep.user)

    response = client.post(
        f"/t/durand/accounts/contacts/{contact.pk}/consents/",
        {"purpose": "marketing_email", "status": "granted", "source": "Salon Batimat", "proof": "badge 42"},
    )
    detail = client.get(f"/t/durand/accounts/contacts/{contact.pk}/", **ENGLISH)

    assert response.status_code == 302
    assert response.url == f"/t/durand/accounts/contacts/{contact.pk}/#consents"
    with tenant_scope(tenant):
        consent = Consent.objects.get()
        assert consent.history.get().history_user_id == rep.user_id
    assert (consent.purpose, consent.status, consent.source, consent.proof) == (
        "marketing_email",
        "granted",
        "Salon Batimat",
        "badge 42",
    )
    assert "Salon Batimat" in detail.text
    assert "Marketing email" in detail.text


def test_a_consent_without_source_is_refused_on_the_form(tenant, client_of) -> None:
    client, rep = client_of(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=rep.user), owner=rep.user)

    response = client.post(
        f"/t/durand/accounts/contacts/{contact.pk}/consents/",
        {"purpose": "marketing_email", "status": "granted", "source": "  "},
        **ENGLISH,
    )

    assert response.status_code == 200
    assert "source" in response.context["consent_form"].errors
    with tenant_scope(tenant):
        assert not Consent.objects.exists()


def test_the_navigation_links_accounts_and_contacts(tenant, client_of) -> None:
    client, _rep = client_of(tenant, Role.FIELD_SALES_REP)

    response = client.get("/t/durand/", **ENGLISH)

    assert '<a href="/t/durand/accounts/"' in response.text
    assert '<a href="/t/durand/accounts/contacts/"' in response.text


def test_the_contacts_tab_is_paged_in_constant_queries(tenant, client_of) -> None:
    # A company can have tens of thousands of contacts: the tab shows them a page at a time.
    client, director = client_of(tenant, Role.SALES_DIRECTOR)
    account = account_of(tenant, director, legal_name="Durand SA")

    def tab(count: int, query: str = "?tab=contacts") -> tuple[int, Any]:
        with tenant_scope(tenant):
            have = Contact.objects.filter(account=account).count()
            ContactFactory.create_batch(count - have, account=account, owner=director.user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/t/durand/accounts/{account.pk}/{query}", **ENGLISH)
        assert response.status_code == 200
        return len(queries), response

    small, _response = tab(3)
    large, response = tab(PAGE_SIZE + 5)

    assert small == large
    assert len(response.context["contacts"]) == PAGE_SIZE
    _queries, second = tab(PAGE_SIZE + 5, response.context["next_url"])
    assert len(second.context["contacts"]) == 5
    shown = {row["contact"].pk for row in response.context["contacts"] + second.context["contacts"]}
    assert len(shown) == PAGE_SIZE + 5
