"""Global search over accounts and contacts: accent-, case- and typo-tolerant, by SIREN/SIRET, email
and phone; only what the member may see, never another tenant's rows, nothing outside a tenant scope;
the search table closed to the application role (SECURITY DEFINER functions only); a page whose
query count does not grow with the number of matches.

Every test runs as the application role. The services do not index yet (the lead wires
`governance.search.index` into accounts.services): these tests call the indexer directly.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path

from accounts.models import Account, Address, Contact
from accounts.search import ACCOUNT, CONTACT, register_search
from crm.roles import Role
from crm.tenancy import tenant_scope
from crm.tenant_urls import urlpatterns as tenant_urlpatterns
from governance import search
from governance.views_search import search_results
from tests.accounts.factories import AccountFactory, ContactFactory, valid_siret

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
LEMAN = "Société Générale des Eaux du Léman"

# The tenant URLconf with the search page, until crm/tenant_urls.py carries it.
urlpatterns = [path("search/", search_results, name="search"), *tenant_urlpatterns]


@pytest.fixture(autouse=True)
def _search_registered(settings) -> None:
    register_search()  # normally AccountsConfig.ready()
    settings.CRM_TENANT_URLCONF = __name__


def indexed(*records):
    search.index_many(records)
    return records[0] if len(records) == 1 else records


def found(membership, query: str, **kwargs) -> list[str]:
    return [result.title for result in search.search(membership, query, **kwargs)]


@pytest.fixture
def leman(tenant, member):
    """A director (who sees everything) and the Léman account, with its head office and one contact."""
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        account = AccountFactory(legal_name=LEMAN, siret=valid_siret(7), siren=valid_siret(7)[:9])
        Address.objects.create(
            tenant=tenant,
            account=account,
            kind=Address.Kind.HEAD_OFFICE,
            line1="1 quai de Ripaille",
            postal_code="74200",
            city="Thonon-les-Bains",
        )
        contact = ContactFactory(
            account=account,
            first_name="Hélène",
            last_name="Dubœuf",
            email="helene.duboeuf@eaux-leman.fr",
            phone="+33450710000",
            mobile="+33612345678",
        )
        AccountFactory(legal_name="Boulangerie Petit")
        indexed(*Account.objects.prefetch_related("addresses"))
        indexed(*Contact.objects.select_related("account"))
    return {"director": director, "account": account, "contact": contact}


# Found however it is typed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "societe generale des eaux du leman",
        "eaux du leman",
        "SOCIÉTÉ GÉNÉRALE DES EAUX",
        "Société Génrale",  # one typo
        "generale eaux leman",
        "Thonon",
        "générale eaux lém",  # whole words, then the beginning of the last one as it is typed
    ],
)
def test_an_account_is_found_without_accents_case_or_with_a_typo(tenant, leman, query: str) -> None:
    with tenant_scope(tenant):
        results = search.search(leman["director"], query, types=[ACCOUNT])

    assert [result.title for result in results][:1] == [LEMAN]
    assert "Boulangerie Petit" not in [result.title for result in results]


def test_an_account_is_found_by_its_siren_and_siret_with_or_without_spaces(tenant, leman) -> None:
    siret = leman["account"].siret
    siren = siret[:9]

    with tenant_scope(tenant):
        for query in (siren, f"{siren[:3]} {siren[3:6]} {siren[6:]}", siret, f"{siren} {siret[9:]}"):
            assert found(leman["director"], query, types=[ACCOUNT])[:1] == [LEMAN], query


@pytest.mark.parametrize(
    "query",
    [
        "helene duboeuf",
        "Hélène",
        "helene.duboeuf@eaux-leman.fr",
        "06 12 34 56 78",
        "+33 6 12 34 56 78",
        "04.50.71.00.00",
        "helene dubeuf",  # typo
    ],
)
def test_a_contact_is_found_by_name_email_or_phone_as_typed_at_home(tenant, leman, query: str) -> None:
    with tenant_scope(tenant):
        results = search.search(leman["director"], query, types=[CONTACT])

    assert [result.title for result in results][:1] == ["Hélène Dubœuf"]


def test_the_closest_match_comes_first(tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        indexed(
            AccountFactory(legal_name="Eaux du Léman Services Techniques Régionaux"),
            AccountFactory(legal_name="Eaux du Leman"),
            AccountFactory(legal_name="Les Eaux du Lac"),
        )
        titles = found(director, "eaux du leman")

    assert titles[:2] == ["Eaux du Leman", "Eaux du Léman Services Techniques Régionaux"]


def test_a_common_word_finds_its_entries_and_one_more_word_narrows_to_the_record(tenant, member) -> None:
    # A word in thousands of entries is not scored in all of them (crm_search_page reads POOL entries);
    # adding a word of the wanted record narrows the match to it, wherever it lies in the table.
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        crowd = [AccountFactory(legal_name=f"Société Numéro {n}") for n in range(60)]
        wanted = AccountFactory(legal_name="Société Dauphinoise de Charpente")
        indexed(*crowd, wanted)
        common = search.candidates("societe", limit=1000)
        precise = found(director, "societe charpente")

    assert len(common) == 61
    assert precise == ["Société Dauphinoise de Charpente"]


def test_a_changed_record_is_found_by_its_new_name_only(tenant, leman) -> None:
    account = leman["account"]
    with tenant_scope(tenant):
        account.legal_name = "Régie des Eaux du Chablais"
        account.save()
        indexed(account)

        assert found(leman["director"], "chablais", types=[ACCOUNT]) == ["Régie des Eaux du Chablais"]
        assert found(leman["director"], "generale des eaux du leman", types=[ACCOUNT]) == []

        search.unindex(account)
        assert found(leman["director"], "chablais", types=[ACCOUNT]) == []


def test_too_short_or_empty_queries_find_nothing(tenant, leman) -> None:
    with tenant_scope(tenant):
        assert found(leman["director"], "") == []
        assert found(leman["director"], " e ") == []


# Who sees what -----------------------------------------------------------------------------------------


@pytest.fixture
def organisation(tenant, member):
    manager = member(tenant, Role.SALES_MANAGER)
    rep = member(tenant, Role.FIELD_SALES_REP, manager=manager)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        mine = AccountFactory(owner=rep.user, legal_name="Garage du Léman Nord")
        theirs = AccountFactory(owner=colleague.user, legal_name="Garage du Léman Sud")
        ContactFactory(account=mine, first_name="Paul", last_name="Garagiste")
        ContactFactory(account=theirs, first_name="Pierre", last_name="Garagiste")
        indexed(*Account.objects.all())
        indexed(*Contact.objects.select_related("account"))
    return {"manager": manager, "rep": rep, "colleague": colleague}


def test_a_rep_finds_only_the_records_they_may_see(tenant, organisation) -> None:
    with tenant_scope(tenant):
        rep = found(organisation["rep"], "garage du leman")
        rep_contacts = found(organisation["rep"], "garagiste", types=[CONTACT])
        colleague = found(organisation["colleague"], "garage du leman", types=[ACCOUNT])
        manager = found(organisation["manager"], "garage du leman", types=[ACCOUNT])

    assert rep == ["Garage du Léman Nord", "Paul Garagiste"]  # the contact by its company's name
    assert rep_contacts == ["Paul Garagiste"]
    assert colleague == ["Garage du Léman Sud"]
    assert sorted(manager) == ["Garage du Léman Nord"]  # the colleague is not in the manager's team


def test_another_tenants_rows_never_appear_even_with_the_same_text(tenant, other_tenant, member) -> None:
    mine = member(tenant, Role.SALES_DIRECTOR)
    theirs = member(other_tenant, Role.SALES_DIRECTOR)
    with tenant_scope(other_tenant):
        foreign = indexed(AccountFactory(legal_name=LEMAN))
    with tenant_scope(tenant):
        own = indexed(AccountFactory(legal_name=LEMAN))

    with tenant_scope(tenant):
        ids = [row[1] for row in search.candidates("eaux du leman")]
        results = search.search(mine, "eaux du leman")
    with tenant_scope(other_tenant):
        their_ids = [row[1] for row in search.candidates("eaux du leman")]

    assert ids == [own.pk]
    assert [result.record.pk for result in results] == [own.pk]
    assert their_ids == [foreign.pk]
    with tenant_scope(other_tenant):
        assert [result.record.pk for result in search.search(theirs, "eaux du leman")] == [foreign.pk]


def test_a_tenant_cannot_overwrite_or_delete_another_tenants_entry(tenant, other_tenant) -> None:
    with tenant_scope(other_tenant):
        foreign = indexed(AccountFactory(legal_name=LEMAN))
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT crm_search_delete(%s, %s::bigint[])", [ACCOUNT, [foreign.pk]])
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT crm_search_upsert(%s, %s, 'Pirate', '', 'pirate')", [ACCOUNT, foreign.pk])

    with tenant_scope(other_tenant):
        assert [row[2] for row in search.candidates("eaux du leman")] == [LEMAN]
        assert search.candidates("pirate") == []


def test_outside_a_tenant_scope_the_function_returns_nothing_and_writes_nothing(tenant, leman) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM crm_search('eaux du leman', NULL, 50)")
        assert cursor.fetchone()[0] == 0
    with transaction.atomic(), connection.cursor() as cursor:
        # The same transaction as a scope that ended: the setting is back to empty.
        cursor.execute("SELECT set_config('app.tenant_id', '', true)")
        cursor.execute("SELECT count(*) FROM crm_search('eaux du leman', NULL, 50)")
        assert cursor.fetchone()[0] == 0
    with (
        pytest.raises((ProgrammingError, InternalError), match="tenant scope"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT crm_search_upsert(%s, 1, 'x', '', 'x')", [ACCOUNT])


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM search_entry",
        "INSERT INTO search_entry (tenant_id, object_type, object_id, title, text)"
        " VALUES (1, 'x', 1, 'x', 'x')",
        "UPDATE search_entry SET title = 'x'",
        "DELETE FROM search_entry",
    ],
    ids=["select", "insert", "update", "delete"],
)
def test_the_application_role_cannot_touch_the_search_table_directly(tenant, leman, sql: str) -> None:
    with (
        tenant_scope(tenant),
        pytest.raises(ProgrammingError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_search_functions_are_security_definer_with_a_fixed_search_path() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner)"
            " FROM pg_proc p WHERE p.proname IN"
            " ('crm_search', 'crm_search_page', 'crm_search_upsert', 'crm_search_upsert_many',"
            "  'crm_search_delete')"
        )
        rows = cursor.fetchall()

    assert len(rows) == 5
    for name, definer, config, owner in rows:
        assert definer, name
        assert "search_path=public, pg_temp" in (config or []), name
        assert owner != connection.settings_dict["USER"], name


# Rebuild -------------------------------------------------------------------------------------------------


def test_search_reindex_rebuilds_the_tenants_entries(tenant, other_tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    with tenant_scope(tenant):
        accounts = [AccountFactory(legal_name=f"Fromagerie Alpine {n}") for n in range(7)]
        ContactFactory(account=accounts[0], first_name="Zoé", last_name="Reblochon")
        stale = indexed(AccountFactory(legal_name="Vieille Laiterie"))
        Account.objects.filter(pk=stale.pk).update(legal_name="Nouvelle Crèmerie")
        assert found(director, "fromagerie alpine") == []
    with tenant_scope(other_tenant):
        indexed(AccountFactory(legal_name="Fromagerie Alpine de Martin"))

    call_command("search_reindex", tenant="durand", batch_size=3, stdout=open("/dev/null", "w"))  # noqa: SIM115

    with tenant_scope(tenant):
        assert len(found(director, "fromagerie alpine", types=[ACCOUNT])) == 7
        assert found(director, "zoe reblochon") == ["Zoé Reblochon"]
        assert found(director, "vieille laiterie", types=[ACCOUNT]) == []
        assert found(director, "nouvelle cremerie") == ["Nouvelle Crèmerie"]
    with tenant_scope(other_tenant):
        assert [row[2] for row in search.candidates("fromagerie alpine")] == ["Fromagerie Alpine de Martin"]


# The page ------------------------------------------------------------------------------------------------


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_the_page_groups_accounts_and_contacts_with_links(tenant, leman) -> None:
    response = logged_in(leman["director"]).get("/t/durand/search/", {"q": "eaux du leman"}, **ENGLISH)

    assert response.status_code == 200
    groups = {
        str(group.label): [result.title for result in group.results] for group in response.context["groups"]
    }
    assert groups == {"Accounts": [LEMAN], "Contacts": ["Hélène Dubœuf"]}
    assert f'href="/t/durand/accounts/{leman["account"].pk}/"' in response.text
    assert f'href="/t/durand/accounts/contacts/{leman["contact"].pk}/"' in response.text


def test_the_page_has_empty_states(tenant, leman) -> None:
    client = logged_in(leman["director"])

    blank = client.get("/t/durand/search/", **ENGLISH)
    nothing = client.get("/t/durand/search/", {"q": "zzzqqq"}, **ENGLISH)
    short = client.get("/t/durand/search/", {"q": "e"}, **ENGLISH)

    assert blank.status_code == nothing.status_code == short.status_code == 200
    assert "Search your accounts and contacts" in blank.text
    assert "Nothing found for “zzzqqq”" in nothing.text
    assert "Type a little more" in short.text


def test_the_page_escapes_the_query(tenant, leman) -> None:
    response = logged_in(leman["director"]).get("/t/durand/search/", {"q": "<script>x</script>"})

    assert "<script>x</script>" not in response.text


def test_the_page_of_another_tenant_is_not_found(tenant, other_tenant, member) -> None:
    stranger = member(other_tenant, Role.SALES_DIRECTOR)

    assert logged_in(stranger).get("/t/durand/search/", {"q": "eaux"}).status_code == 404


def test_the_page_query_count_does_not_grow_with_the_matches(tenant, member) -> None:
    director = member(tenant, Role.SALES_DIRECTOR)
    client = logged_in(director)
    with tenant_scope(tenant):
        few = [AccountFactory(legal_name="Scierie Vosgienne 1")]
        indexed(*few, ContactFactory(account=few[0], last_name="Scierie"))

    def queries_for(query: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/t/durand/search/", {"q": query}, **ENGLISH)
        assert response.status_code == 200
        return len(captured), response.context["result_count"]

    client.get("/t/durand/search/", {"q": "warm up"})
    one = queries_for("scierie vosgienne")
    with tenant_scope(tenant):
        many = [AccountFactory(legal_name=f"Scierie Vosgienne {n}") for n in range(2, 16)]
        indexed(*many, *(ContactFactory(account=account, last_name="Scierie") for account in many))
    fifteen = queries_for("scierie vosgienne")

    assert one[1] < fifteen[1]
    assert one[0] == fifteen[0]


def test_a_rep_finds_their_record_behind_hundreds_of_better_matches_they_may_not_see(
    tenant, member, django_assert_max_num_queries
) -> None:
    rep = member(tenant, Role.FIELD_SALES_REP)
    colleague = member(tenant, Role.FIELD_SALES_REP)
    with tenant_scope(tenant):
        # 250 accounts of a colleague, all closer to the query than the rep's own
        hidden = [AccountFactory(owner=colleague.user, legal_name=f"Eaux du Léman {n}") for n in range(250)]
        mine = AccountFactory(owner=rep.user, legal_name="Compagnie des Eaux du Léman et de la Dranse")
        indexed(*hidden, mine)

        with django_assert_max_num_queries(12):
            results = search.search(rep, "eaux du leman", types=[ACCOUNT])

    assert [result.object_id for result in results] == [mine.pk]
