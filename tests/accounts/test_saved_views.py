"""Saved views of the account and contact lists, through the pages: save the filters and sort under a
name, open a view, make it my default, rename, share, delete; another member's private view and
another tenant's are 404; a shared view shows each person only what they may see; saved filters that
no longer validate are ignored; the list costs the same queries with or without saved views."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from crm.models import SavedView
from crm.roles import Role
from crm.tenancy import tenant_scope
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db

LIST = "/t/durand/accounts/"
CONTACTS = "/t/durand/accounts/contacts/"
CREATE = "/t/durand/saved-views/new/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def names_listed(response) -> list[str]:
    return [row["account"].legal_name for row in response.context["rows"]]


def views_of(tenant, membership=None) -> list[tuple[str, str, bool, bool]]:
    """(name, query, shared, default) of the tenant's saved views, of one member when given."""
    with tenant_scope(tenant):
        views = SavedView.objects.order_by("name")
        if membership is not None:
            views = views.filter(owner=membership.user)
        return [(view.name, view.query, view.is_shared, view.is_default) for view in views]


def saved_view(tenant, membership, name: str, query: str, **extra) -> SavedView:
    with tenant_scope(tenant):
        return SavedView.objects.create(
            tenant=tenant,
            owner=membership.user,
            list_key=extra.pop("list_key", "accounts.account"),
            name=name,
            query=query,
            **extra,
        )


@pytest.fixture
def organisation(tenant, member):
    director = member(tenant, Role.SALES_DIRECTOR)
    manager = member(tenant, Role.SALES_MANAGER, manager=director)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        AccountFactory(owner=rep.user, legal_name="Boulangerie Petit", account_type=Account.Type.CUSTOMER)
        AccountFactory(owner=rep.user, legal_name="Atelier Roux", account_type=Account.Type.PROSPECT)
        AccountFactory(owner=manager.user, legal_name="Garage Moreau", account_type=Account.Type.CUSTOMER)
        AccountFactory(owner=colleague.user, legal_name="Hôtel Lambert", account_type=Account.Type.CUSTOMER)
    return {"director": director, "manager": manager, "rep": rep, "colleague": colleague}


# Save, open, default, rename, delete ------------------------------------------------------------------


def test_saving_keeps_only_the_filters_and_sort_then_opens_the_view(tenant, organisation) -> None:
    manager = organisation["manager"]
    client = logged_in(manager)

    response = client.post(
        CREATE,
        {
            "list_key": "accounts.account",
            "name": "  Mon   équipe ",
            "query": "owner=team&sort=-name&after=abc&view=3&removed=1&q=",
        },
    )

    assert views_of(tenant, manager) == [("Mon équipe", "owner=team&sort=-name", False, False)]
    with tenant_scope(tenant):
        view = SavedView.objects.get()
    assert response.status_code == 302
    assert response.url == f"{LIST}?view={view.pk}"
    opened = client.get(response.url)
    assert names_listed(opened) == ["Garage Moreau", "Boulangerie Petit", "Atelier Roux"]
    assert opened.context["saved"].current == view
    assert opened.context["filter"].form["owner"].value() == "team"


def test_my_default_view_opens_when_i_come_without_parameters(tenant, organisation) -> None:
    rep = organisation["rep"]
    client = logged_in(rep)
    client.post(
        CREATE,
        {
            "list_key": "accounts.account",
            "name": "Clients",
            "query": "account_type=customer",
            "is_default": "on",
        },
    )

    plain = client.get(LIST)
    without = client.get(LIST, {"view": ""})

    assert names_listed(plain) == ["Boulangerie Petit"]
    assert names_listed(without) == ["Atelier Roux", "Boulangerie Petit"]
    # "Clear the filters" must not fall back on the default view.
    assert f'href="{LIST}?view="' in plain.text


def test_a_new_default_replaces_the_previous_one_and_can_be_unset(tenant, organisation) -> None:
    rep = organisation["rep"]
    client = logged_in(rep)
    saved_view(tenant, rep, "Clients", "account_type=customer", is_default=True)
    second = saved_view(tenant, rep, "Prospects", "account_type=prospect")

    response = client.post(f"/t/durand/saved-views/{second.pk}/default/", {"is_default": "on"})

    assert response.status_code == 302
    assert views_of(tenant, rep) == [
        ("Clients", "account_type=customer", False, False),
        ("Prospects", "account_type=prospect", False, True),
    ]
    assert names_listed(client.get(LIST)) == ["Atelier Roux"]

    client.post(f"/t/durand/saved-views/{second.pk}/default/", {})

    assert [default for *_rest, default in views_of(tenant, rep)] == [False, False]
    assert names_listed(client.get(LIST)) == ["Atelier Roux", "Boulangerie Petit"]


def test_rename_and_delete_my_own_view(tenant, organisation) -> None:
    rep = organisation["rep"]
    client = logged_in(rep)
    view = saved_view(tenant, rep, "Clients", "account_type=customer")

    renamed = client.post(f"/t/durand/saved-views/{view.pk}/", {"name": "Mes clients"})

    assert renamed.status_code == 302
    assert views_of(tenant, rep) == [("Mes clients", "account_type=customer", False, False)]

    deleted = client.post(f"/t/durand/saved-views/{view.pk}/delete/")

    assert deleted.status_code == 302
    assert deleted.url == f"{LIST}?view="
    assert views_of(tenant) == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (ENGLISH, "You already have a view with this name on this list."),
        (FRENCH, "Vous avez déjà une vue de ce nom sur cette liste."),
    ],
)
def test_a_name_i_already_use_on_this_list_is_a_field_error(tenant, organisation, headers, message) -> None:
    rep = organisation["rep"]
    saved_view(tenant, rep, "Clients", "account_type=customer")
    saved_view(tenant, rep, "Autres", "")

    created = logged_in(rep).post(
        CREATE, {"list_key": "accounts.account", "name": "CLIENTS", "query": "sort=-name"}, **headers
    )

    assert created.status_code == 200
    assert message in created.context["form"].errors["name"]
    assert views_of(tenant, rep) == [
        ("Autres", "", False, False),
        ("Clients", "account_type=customer", False, False),
    ]


def test_the_same_name_is_free_on_another_list_and_for_another_member(tenant, organisation) -> None:
    rep, colleague = organisation["rep"], organisation["colleague"]
    saved_view(tenant, rep, "Clients", "account_type=customer")

    on_contacts = logged_in(rep).post(
        CREATE, {"list_key": "accounts.contact", "name": "Clients", "query": ""}
    )
    by_colleague = logged_in(colleague).post(
        CREATE, {"list_key": "accounts.account", "name": "Clients", "query": ""}
    )

    assert on_contacts.status_code == 302
    assert on_contacts.url.startswith(f"{CONTACTS}?view=")
    assert by_colleague.status_code == 302
    assert len(views_of(tenant)) == 3


def test_an_unknown_list_is_404_and_nothing_is_saved(tenant, organisation) -> None:
    response = logged_in(organisation["rep"]).post(CREATE, {"list_key": "accounts.nothing", "name": "X"})

    assert response.status_code == 404
    assert views_of(tenant) == []


# Who sees which view --------------------------------------------------------------------------------


def test_another_members_private_view_is_404_everywhere_and_stays_unchanged(tenant, organisation) -> None:
    view = saved_view(tenant, organisation["colleague"], "Lambert", "q=lambert", is_default=True)
    client = logged_in(organisation["rep"])

    responses = [
        client.get(LIST, {"view": view.pk}),
        client.post(f"/t/durand/saved-views/{view.pk}/", {"name": "Pris"}),
        client.post(f"/t/durand/saved-views/{view.pk}/default/", {"is_default": "on"}),
        client.post(f"/t/durand/saved-views/{view.pk}/delete/"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert "Lambert" not in responses[0].text
    assert views_of(tenant) == [("Lambert", "q=lambert", False, True)]


def test_a_view_of_another_tenant_is_404(tenant, other_tenant, member, organisation) -> None:
    stranger = member(other_tenant, Role.SALES_DIRECTOR)
    foreign = saved_view(other_tenant, stranger, "Ailleurs", "", is_shared=True)

    client = logged_in(organisation["director"])

    assert client.get(LIST, {"view": foreign.pk}).status_code == 404
    assert client.post(f"/t/durand/saved-views/{foreign.pk}/delete/").status_code == 404
    assert views_of(other_tenant) == [("Ailleurs", "", True, False)]


def test_a_view_of_another_list_or_a_garbage_id_is_404(tenant, organisation) -> None:
    rep = organisation["rep"]
    contacts_view = saved_view(tenant, rep, "Personnes", "", list_key="accounts.contact")
    client = logged_in(rep)

    assert client.get(LIST, {"view": contacts_view.pk}).status_code == 404
    assert client.get(LIST, {"view": "1 OR 1=1"}).status_code == 404
    assert client.get(CONTACTS, {"view": contacts_view.pk}).status_code == 200


def test_a_shared_view_shows_each_person_only_the_accounts_they_may_see(tenant, organisation) -> None:
    director = organisation["director"]
    logged_in(director).post(
        CREATE,
        {
            "list_key": "accounts.account",
            "name": "Clients",
            "query": "account_type=customer",
            "is_shared": "on",
        },
    )
    with tenant_scope(tenant):
        view = SavedView.objects.get()

    seen = {
        who: names_listed(logged_in(organisation[who]).get(LIST, {"view": view.pk}))
        for who in ("director", "manager", "rep", "colleague")
    }

    assert views_of(tenant) == [("Clients", "account_type=customer", True, False)]
    assert seen == {
        "director": ["Boulangerie Petit", "Garage Moreau", "Hôtel Lambert"],
        "manager": ["Boulangerie Petit", "Garage Moreau"],
        "rep": ["Boulangerie Petit"],
        "colleague": ["Hôtel Lambert"],
    }


def test_others_may_open_a_shared_view_but_not_change_or_delete_it(tenant, organisation) -> None:
    view = saved_view(tenant, organisation["manager"], "Équipe", "owner=team", is_shared=True)
    client = logged_in(organisation["rep"])

    page = client.get(LIST, {"view": view.pk})
    rename = client.post(f"/t/durand/saved-views/{view.pk}/", {"name": "Pris", "is_shared": "on"})
    delete = client.post(f"/t/durand/saved-views/{view.pk}/delete/")

    assert page.status_code == 200
    assert "Équipe" in page.text
    assert f"/t/durand/saved-views/{view.pk}/delete/" not in page.text
    assert (rename.status_code, delete.status_code) == (404, 404)
    assert views_of(tenant) == [("Équipe", "owner=team", True, False)]


def test_a_tenant_admin_may_delete_a_shared_view_of_someone_else(tenant, member, organisation) -> None:
    admin = member(tenant, Role.TENANT_ADMIN)
    view = saved_view(tenant, organisation["manager"], "Équipe", "owner=team", is_shared=True)

    response = logged_in(admin).post(f"/t/durand/saved-views/{view.pk}/delete/")

    assert response.status_code == 302
    assert views_of(tenant) == []


def test_a_sales_rep_may_not_share_a_view(tenant, organisation) -> None:
    rep = organisation["rep"]
    client = logged_in(rep)

    page = client.get(LIST)
    client.post(CREATE, {"list_key": "accounts.account", "name": "Clients", "query": "", "is_shared": "on"})

    assert 'name="is_shared"' not in page.text
    assert views_of(tenant) == [("Clients", "", False, False)]
    assert logged_in(organisation["colleague"]).get(LIST).context["saved"].views == []


# Filters that no longer apply, pagination, query budget ---------------------------------------------


def test_saved_filters_that_no_longer_validate_are_ignored(tenant, organisation) -> None:
    rep = organisation["rep"]
    view = saved_view(tenant, rep, "Ancienne", "segment=999999&account_type=nonsense&region=nord&sort=-name")

    response = logged_in(rep).get(LIST, {"view": view.pk}, **ENGLISH)

    assert response.status_code == 200
    assert names_listed(response) == ["Boulangerie Petit", "Atelier Roux"]
    assert response.context["saved"].query.urlencode() == "sort=-name"
    assert "Some filters of this view no longer exist and were ignored." in response.text
    assert response.context["filter"].form.errors == {}


def test_the_pages_of_a_view_keep_the_view(tenant, organisation, monkeypatch) -> None:
    monkeypatch.setattr("accounts.views.PAGE_SIZE", 1)
    rep = organisation["rep"]
    view = saved_view(tenant, rep, "Z à A", "sort=-name", is_default=True)
    client = logged_in(rep)

    first = client.get(LIST)
    query = parse_qs(urlsplit(first.context["next_url"]).query)
    second = client.get(LIST, {key: values[0] for key, values in query.items()})

    assert names_listed(first) == ["Boulangerie Petit"]
    assert query["view"] == [str(view.pk)]
    assert names_listed(second) == ["Atelier Roux"]
    assert second.context["first_url"] == f"?view={view.pk}"


def count_queries(client: Client, path: str, data: dict[str, object] | None = None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, data or {})
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize(("path", "list_key"), [(LIST, "accounts.account"), (CONTACTS, "accounts.contact")])
def test_saved_views_cost_the_list_page_no_extra_query(tenant, organisation, path, list_key) -> None:
    rep, manager = organisation["rep"], organisation["manager"]
    client = logged_in(rep)
    without = count_queries(
        client, path, {"sort": "-name"} if list_key == "accounts.account" else {"owner": "me"}
    )

    for index in range(6):
        saved_view(tenant, rep, f"Vue {index}", "owner=me", list_key=list_key)
        saved_view(tenant, manager, f"Partagée {index}", "owner=team", list_key=list_key, is_shared=True)
    default = saved_view(tenant, rep, "Défaut", "owner=me", list_key=list_key, is_default=True)

    assert (
        count_queries(client, path, {"sort": "-name"} if list_key == "accounts.account" else {"owner": "me"})
        == without
    )
    assert count_queries(client, path) == without
    assert count_queries(client, path, {"view": default.pk}) == without


def test_filters_too_long_to_be_saved_are_refused_with_a_message(tenant, organisation) -> None:
    response = logged_in(organisation["rep"]).post(
        CREATE, {"list_key": "accounts.account", "name": "Longue", "query": "q=" + "x" * 2100}, **ENGLISH
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "These filters are too long to be saved: shorten the search."
    ]
    assert "These filters are too long to be saved" in response.text
    assert views_of(tenant) == []
