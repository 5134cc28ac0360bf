"""`generate_benchmark_data`: the tiny profile loaded once into the test database (the benchmark guard
admits "test_…" databases), then read as the application would.

The load commits through the owner connection (COPY cannot be seen by the application connection
otherwise), so the module fixture empties the benchmark tables again at the end; the tests themselves
run in the usual rolled-back transaction and use no tenant fixtures of their own, except the refusal
test, whose extra tenant is rolled back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.models import Count
from django.test import Client
from django.utils import translation
from stdnum.fr import siren as siren_number
from stdnum.fr import siret as siret_number
from stdnum.fr import tva

from accounts.models import Account, Contact
from accounts.search import account_document, contact_document
from crm.benchdata import PROFILES, reset
from crm.benchmark import BENCH_USERS, DATASET_TABLE, MAIN_TENANT_SLUG, PASSWORD, loaded_dataset
from crm.models import Membership, Tenant, User
from crm.roles import Role
from crm.tenancy import tenant_scope
from governance import search
from tests.factories import TenantFactory

SEED = 7
# Both connections: the owner's reads the search table, which the application role cannot.
pytestmark = pytest.mark.django_db(databases=["default", "owner"])
TINY = PROFILES["tiny"]


def _owner_rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of every tenant, read by the owner role (row-level security is forced on it too: the
    query runs once per tenant, with that tenant set)."""
    rows: list[tuple[Any, ...]] = []
    with connections["owner"].cursor() as cursor:
        cursor.execute("SELECT id FROM crm_tenant ORDER BY id")
        for (tenant_id,) in cursor.fetchall():
            cursor.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant_id)])
            cursor.execute(sql, params or [])
            rows += cursor.fetchall()
        cursor.execute("SELECT set_config('app.tenant_id', '', false)")
    return rows


def _fingerprint() -> str:
    """The generated identities, without the timestamps (those follow the day of the load)."""
    accounts = _owner_rows(
        "SELECT id, legal_name, siret, vat_number, naf_code, owner_id, territory_id, parent_id"
        " FROM accounts_account ORDER BY id"
    )
    contacts = _owner_rows("SELECT id, email, phone, mobile, account_id FROM accounts_contact ORDER BY id")
    assert len(accounts) == TINY.main_accounts + TINY.small_tenants * TINY.small_accounts
    return hashlib.sha256(f"{accounts}{contacts}".encode()).hexdigest()


def _load(*extra: str) -> str:
    out = StringIO()
    with translation.override("fr"):
        call_command("generate_benchmark_data", "--profile", "tiny", "--seed", str(SEED), *extra, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    with django_db_blocker.unblock():
        output = _load()
        first = _fingerprint()
        # The same seed again (after --reset) gives the same rows.
        again = _load("--reset")
        yield {"output": output, "first": first, "second": _fingerprint(), "again": again}
        reset("owner")
        with connections["owner"].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {DATASET_TABLE}")


@pytest.fixture
def main(loaded: dict[str, str]) -> Tenant:
    return Tenant.objects.get(slug=MAIN_TENANT_SLUG)


def test_the_tiny_profile_loads_what_it_announces(loaded: dict[str, str], main: Tenant) -> None:
    small = Tenant.objects.exclude(pk=main.pk)
    assert small.count() == TINY.small_tenants
    assert all(tenant.slug.startswith("bench-") for tenant in small)
    with tenant_scope(main):
        assert Account.objects.count() == TINY.main_accounts
        assert Contact.objects.count() == TINY.main_contacts
        assert Membership.objects.count() == TINY.main_users
        assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
        skewed = Account.objects.order_by("pk").first()
        assert Contact.objects.filter(account=skewed).count() == TINY.skewed_account_contacts
        for role, email in BENCH_USERS.items():
            assert Membership.objects.get(user__email=email).role == role
        emails = Contact.objects.exclude(email="").values("email")
        assert not emails.annotate(n=Count("pk")).filter(n__gt=1).exists()
    assert User.objects.count() == TINY.main_users + TINY.small_tenants * TINY.small_users
    assert f"Profile tiny, seed {SEED}: loaded in" in loaded["output"]
    total_accounts = TINY.main_accounts + TINY.small_tenants * TINY.small_accounts
    assert ["accounts_account", f"{total_accounts:,}"] in [
        line.split() for line in loaded["output"].splitlines()
    ]
    assert loaded_dataset() is not None
    assert loaded_dataset().profile == "tiny"


def test_the_same_seed_gives_the_same_data(loaded: dict[str, str]) -> None:
    assert "reset: benchmark tables emptied" in loaded["again"]
    assert loaded["first"] == loaded["second"]


def test_every_siren_siret_and_vat_number_is_valid(loaded: dict[str, str]) -> None:
    rows = _owner_rows("SELECT siren, siret, vat_number FROM accounts_account")
    assert len(rows) == TINY.main_accounts + TINY.small_tenants * TINY.small_accounts
    assert all(siren_number.is_valid(siren) for siren, _siret, _vat in rows)
    assert all(siret_number.is_valid(siret) and siret.startswith(siren) for siren, siret, _vat in rows)
    assert all(tva.is_valid(vat) and vat.endswith(siren) for siren, _siret, vat in rows)


def test_a_small_tenant_sees_only_its_rows_as_the_application_role(main: Tenant) -> None:
    small = Tenant.objects.exclude(pk=main.pk).order_by("slug").first()
    assert small is not None
    with tenant_scope(small):
        # unscoped(): no ORM filter, only PostgreSQL's row-level security.
        tenants = set(Account.objects.unscoped().values_list("tenant_id", flat=True))
        assert tenants == {small.pk}
        assert Account.objects.unscoped().count() == TINY.small_accounts
        assert Contact.objects.unscoped().count() == TINY.small_contacts
        assert set(Contact.history.values_list("tenant_id", flat=True)) == {small.pk}  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", list(BENCH_USERS))
def test_the_bench_users_log_in_through_the_login_page(main: Tenant, role: str) -> None:
    client = Client()

    response = client.post("/login/", {"username": BENCH_USERS[role], "password": PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(email=BENCH_USERS[role]).pk


def test_the_rep_sees_her_accounts_in_the_list_page(main: Tenant) -> None:
    client = Client()
    client.post("/login/", {"username": BENCH_USERS["field_sales_rep"], "password": PASSWORD})
    rep = User.objects.get(email=BENCH_USERS["field_sales_rep"])
    with tenant_scope(main):
        membership = Membership.objects.get(user=rep)
        visible = Account.objects.visible_to(membership)  # type: ignore[attr-defined]
        first = visible.order_by("legal_name", "pk").first()
        assert 0 < visible.count() < TINY.main_accounts

    response = client.get(f"/t/{MAIN_TENANT_SLUG}/accounts/")

    assert response.status_code == 200
    assert first is not None
    assert first.legal_name in response.text


def test_search_finds_a_generated_account_by_name(main: Tenant) -> None:
    director = User.objects.get(email=BENCH_USERS["sales_director"])
    with tenant_scope(main):
        membership = Membership.objects.get(user=director)
        account = Account.objects.filter(trade_name="").order_by("pk")[10]

        results = search.search(membership, account.legal_name, limit=50)

    assert ("accounts.account", account.pk) in {(r.object_type, r.object_id) for r in results}


def test_search_entries_are_what_the_application_would_index(main: Tenant) -> None:
    entries = {
        (object_type, object_id): (title, subtitle, text)
        for object_type, object_id, title, subtitle, text in _owner_rows(
            "SELECT object_type, object_id, title, subtitle, text FROM search_entry"
            " WHERE tenant_id = current_setting('app.tenant_id')::bigint"
        )
    }
    checked = 0
    for tenant in Tenant.objects.order_by("pk"):
        with tenant_scope(tenant):
            for account in Account.objects.prefetch_related("addresses").order_by("pk")[:300]:
                document = account_document(account)
                assert entries[("accounts.account", account.pk)] == (
                    document.title,
                    document.subtitle,
                    document.text,
                )
                checked += 1
            for contact in Contact.objects.select_related("account").order_by("pk")[:300]:
                document = contact_document(contact)
                assert entries[("accounts.contact", contact.pk)] == (
                    document.title,
                    document.subtitle,
                    document.text,
                )
                checked += 1
    assert checked == 600 + TINY.small_tenants * (TINY.small_accounts + TINY.small_contacts)
    assert len(entries) == (TINY.main_accounts + TINY.main_contacts) + TINY.small_tenants * (
        TINY.small_accounts + TINY.small_contacts
    )


def test_a_database_with_a_tenant_that_is_not_a_benchmark_tenant_is_refused(main: Tenant) -> None:
    TenantFactory(name="Durand Industries", slug="durand")  # in this test's transaction only

    with (
        translation.override("fr"),
        pytest.raises(CommandError, match="ne sont pas des clients de benchmark") as refused,
    ):
        call_command("generate_benchmark_data", "--profile", "tiny", "--database", "default")

    assert "durand" in str(refused.value)
    assert Tenant.objects.filter(slug__startswith="bench-").count() == 1 + TINY.small_tenants


def test_loading_twice_without_reset_is_refused(loaded: dict[str, str]) -> None:
    with pytest.raises(CommandError, match="contient déjà des données de benchmark"):
        _load()

    assert _fingerprint() == loaded["first"]


def test_a_database_not_named_bench_is_refused(
    loaded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(connections["owner"].settings_dict, "NAME", "crm")

    with pytest.raises(CommandError, match="pas une base de benchmark"):
        _load()


def test_an_unknown_profile_is_refused_by_the_parser() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'huge'"):
        call_command("generate_benchmark_data", "--profile", "huge")


def test_the_application_can_write_after_a_load(main: Tenant) -> None:
    # COPY gives explicit ids: every sequence must continue after them, or the first write after a load
    # (an import in the benchmark) collides with a generated row.
    from accounts import services

    with tenant_scope(main):
        director = Membership.objects.get(user__email=BENCH_USERS["sales_director"])
        before = Account.history.count()
        created = services.account_create_many(
            tenant=main,
            actor=director.user,
            rows=[{"legal_name": "Nouvelle Société Bench"}],
            head_offices=[{"line1": "1 rue Neuve", "postal_code": "69002", "city": "Lyon"}],
        )
        assert isinstance(created[0], Account)
        assert Account.history.count() == before + 1
        assert Account.objects.filter(pk__gt=created[0].pk).count() == 0
