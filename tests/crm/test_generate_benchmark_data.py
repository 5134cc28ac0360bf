"""`generate_benchmark_data`: the tiny profile loaded once into the test database (the benchmark guard
admits "test_…" databases), then read as the application would.

The load commits through the owner connection (COPY cannot be seen by the application connection
otherwise), so the module fixture empties the benchmark tables again at the end; the tests themselves
run in the usual rolled-back transaction and use no tenant fixtures of their own, except the refusal
test, whose extra tenant is rolled back.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from itertools import pairwise
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
    accounts_and_contacts = {key: value for key, value in entries.items() if key[0].startswith("accounts.")}
    assert len(accounts_and_contacts) == (TINY.main_accounts + TINY.main_contacts) + TINY.small_tenants * (
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


# Opportunities (opportunities/benchdata) ---------------------------------------------------------------


def test_each_tenant_has_the_default_pipeline_a_new_tenant_gets_and_a_renewals_one(main: Tenant) -> None:
    from opportunities.models import Pipeline, Stage
    from opportunities.services.defaults import pipeline_defaults_ensure

    def stages(pipeline: Pipeline) -> list[tuple[str, int, str, list[str], int]]:
        return list(
            Stage.objects.filter(pipeline=pipeline)
            .order_by("position")
            .values_list("name", "probability", "outcome", "required_fields", "position")
        )

    fresh = TenantFactory(name="Nouvelle Société", slug="bench-fresh", language="fr")  # rolled back
    with tenant_scope(fresh):
        expected = stages(pipeline_defaults_ensure(tenant=fresh))
    assert [row[0] for row in expected] == [
        "Détection", "Qualification", "Proposition", "Négociation", "Gagnée", "Perdue", "Abandonnée",
    ]  # fmt: skip
    for tenant in Tenant.objects.filter(slug__startswith="bench-").exclude(pk=fresh.pk):
        with tenant_scope(tenant):
            default = Pipeline.objects.get(is_default=True)
            assert (default.name, stages(default)) == ("Nouvelles affaires", expected)
            assert list(Pipeline.objects.values_list("name", flat=True)) == [
                "Nouvelles affaires",
                "Renouvellements",
            ]


def test_the_opportunity_tables_hold_what_the_profile_announces(loaded: dict[str, str], main: Tenant) -> None:
    from opportunities.benchdata.deals import OPPORTUNITIES, SMALL_OPPORTUNITIES
    from opportunities.benchdata.reference import PRODUCTS, SMALL_PRODUCTS
    from opportunities.models import Opportunity, Price, PriceList, Product, Quote, StageChange

    small = TINY.small_tenants
    total = OPPORTUNITIES["tiny"] + small * SMALL_OPPORTUNITIES["tiny"]
    lines = {
        line.split()[0]: line.split()[1] for line in loaded["output"].splitlines() if len(line.split()) == 2
    }
    assert lines["opportunities_opportunity"] == f"{total:,}"
    with tenant_scope(main):
        assert Opportunity.objects.count() == OPPORTUNITIES["tiny"]
        assert Product.objects.count() == PRODUCTS["tiny"]
        assert PriceList.objects.count() == 3
        assert Price.objects.count() == 3 * PRODUCTS["tiny"]
        stage_changes = StageChange.objects.count()
        assert Opportunity.history.count() == stage_changes  # type: ignore[attr-defined]
        quotes = Quote.objects.count()
        reached_proposal = Opportunity.objects.filter(
            stage_changes__to_stage__required_fields__contains=["amount"],
            stage_changes__to_stage__outcome="open",
        ).distinct()
        # One quote for about a tenth of the opportunities that reached the proposal.
        assert 0.05 * reached_proposal.count() < quotes < 0.15 * reached_proposal.count()
        outcomes = Counter(Opportunity.objects.values_list("stage__outcome", flat=True))
    assert 0.15 < outcomes["won"] / OPPORTUNITIES["tiny"] < 0.28
    assert 0.18 < outcomes["lost"] / OPPORTUNITIES["tiny"] < 0.32
    assert outcomes["abandoned"] > 0
    assert outcomes["open"] > 0.35 * OPPORTUNITIES["tiny"]
    for tenant in Tenant.objects.filter(slug__startswith="bench-t"):
        with tenant_scope(tenant):
            assert Opportunity.objects.count() == SMALL_OPPORTUNITIES["tiny"]
            assert Product.objects.count() == SMALL_PRODUCTS


def test_every_opportunitys_stage_history_ends_at_its_current_stage(loaded: dict[str, str]) -> None:
    opportunities = {
        row[0]: row[1:]
        for row in _owner_rows(
            "SELECT id, stage_id, pipeline_id, stage_entered_at, version, amount, probability, closed_at"
            " FROM opportunities_opportunity"
        )
    }
    changes: dict[int, list[tuple[Any, ...]]] = {}
    for row in _owner_rows(
        "SELECT opportunity_id, from_stage_id, to_stage_id, changed_at, pipeline_id, amount, probability"
        " FROM opportunities_stagechange ORDER BY opportunity_id, changed_at, id"
    ):
        changes.setdefault(row[0], []).append(row[1:])
    assert set(changes) == set(opportunities)
    for pk, (stage, pipeline, entered, version, amount, probability, closed_at) in opportunities.items():
        path = changes[pk]
        assert path[0][0] is None  # the creation
        assert all(later[0] == earlier[1] for earlier, later in pairwise(path))
        assert all(earlier[2] < later[2] for earlier, later in pairwise(path))
        assert {change[3] for change in path} == {pipeline}
        assert (path[-1][1], path[-1][2], path[-1][4], path[-1][5]) == (stage, entered, amount, probability)
        assert len(path) == version
        assert closed_at is None or closed_at == entered


def test_every_opportunity_has_the_fields_its_stage_requires(loaded: dict[str, str]) -> None:
    rows = _owner_rows(
        "SELECT s.required_fields, s.outcome, s.probability, o.probability, o.probability_overridden,"
        " o.amount, o.primary_contact_id, o.expected_signature_date, o.loss_reason_id, o.closed_at,"
        " o.expected_close_date, c.account_id = o.account_id"
        " FROM opportunities_opportunity o JOIN opportunities_stage s ON s.id = o.stage_id"
        " LEFT JOIN accounts_contact c ON c.id = o.primary_contact_id"
    )
    today = loaded_dataset_day()
    for required, outcome, default, probability, overridden, *values, closed_at, close_date, same in rows:
        filled = dict(
            zip(["amount", "primary_contact", "expected_signature_date", "loss_reason"], values, strict=True)
        )
        assert all(filled[name] is not None for name in required), (required, filled)
        assert (probability == default) != overridden
        assert (closed_at is None) == (outcome == "open")
        assert outcome == "open" or close_date <= today
        assert same in (None, True)  # the primary contact works at the account


def loaded_dataset_day() -> Any:
    dataset = loaded_dataset()
    assert dataset is not None
    with connections["owner"].cursor() as cursor:
        cursor.execute(f"SELECT max(finished_at)::date FROM {DATASET_TABLE}")  # noqa: S608
        return cursor.fetchone()[0]


def test_quote_totals_are_the_sum_of_their_lines_and_numbers_have_no_gaps(loaded: dict[str, str]) -> None:
    from decimal import Decimal

    from opportunities.benchdata.quotes import cents

    lines: dict[int, list[tuple[Any, ...]]] = {}
    for quote_id, *line in _owner_rows(
        "SELECT quote_id, quantity, unit_price, discount_value, vat_rate, total_excl_tax"
        " FROM opportunities_quoteline"
    ):
        lines.setdefault(quote_id, []).append(tuple(line))
    quotes = _owner_rows(
        "SELECT q.id, q.tenant_id, q.number, q.sequence, q.issue_date, q.global_discount_value,"
        " q.total_excl_tax, q.total_tax, q.total_incl_tax, o.amount, q.status"
        " FROM opportunities_quote q JOIN opportunities_opportunity o ON o.id = q.opportunity_id"
    )
    assert quotes
    numbers: dict[tuple[int, int], list[int]] = {}
    for pk, tenant_id, number, sequence, issued, discount, excl, tax, incl, amount, _status in quotes:
        own = lines[pk]
        assert 1 <= len(own) <= 5
        for quantity, price, line_discount, _rate, total in own:
            gross = cents(quantity * price)
            assert total == gross - cents(gross * line_discount / 100)
        lines_total = sum(line[4] for line in own)
        assert excl == lines_total - cents(lines_total * discount / 100)
        assert incl == excl + tax
        assert abs(tax - sum(line[4] * Decimal(line[3]) / 100 for line in own) * (excl / lines_total)) < 0.05
        assert amount == excl
        assert number == f"DEV-{issued.year}-{sequence:05d}"
        numbers.setdefault((tenant_id, issued.year), []).append(sequence)
    for sequences in numbers.values():
        assert sorted(sequences) == list(range(1, len(sequences) + 1))
    last_values = {(tenant, year): value for tenant, year, value in _owner_rows(
        "SELECT tenant_id, year, last_value FROM opportunities_quotesequence"
    )}  # fmt: skip
    assert last_values == {key: len(sequences) for key, sequences in numbers.items()}


def test_row_level_security_is_forced_again_and_the_constraints_are_back(loaded: dict[str, str]) -> None:
    from crm.rls import tenant_owned_tables

    tables = sorted(table for table in tenant_owned_tables() if table.startswith("opportunities_"))
    with connections["owner"].cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity AND relforcerowsecurity",
            [tables],
        )
        assert sorted(row[0] for row in cursor.fetchall()) == tables
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'opportunities_opportunity'::regclass"
            " AND contype = 'c' AND convalidated ORDER BY 1"
        )
        checks = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'opportunities_opportunity'"
            " AND indexname = 'opportunities_opp_board_idx'"
        )
        board_index = cursor.fetchone()[0]
    assert {
        "opportunities_opportunity_amount_not_negative",
        "opportunities_opportunity_probability_range",
    } <= set(checks)
    assert board_index == 1


def test_a_generated_opportunity_moves_on_through_the_services(main: Tenant) -> None:
    # The sequences continue after the generated ids and the stage history stays immutable.
    from django.db import DatabaseError, transaction

    from opportunities.models import Opportunity, StageChange
    from opportunities.services.pipeline import opportunity_move_stage

    with tenant_scope(main):
        director = Membership.objects.get(user__email=BENCH_USERS["sales_director"])
        opportunity = (
            Opportunity.objects.filter(stage__outcome="open", stage__position=0, pipeline__is_default=True)
            .exclude(primary_contact=None)
            .order_by("pk")
            .first()
        )
        assert opportunity is not None
        qualification = opportunity.pipeline.stages.get(position=1)
        before = StageChange.objects.filter(opportunity=opportunity).count()

        moved = opportunity_move_stage(opportunity=opportunity, stage=qualification, actor=director.user)

        change = StageChange.objects.filter(opportunity=opportunity).order_by("-changed_at", "-pk").first()
        assert (moved.stage_id, moved.version) == (qualification.pk, before + 1)
        assert change is not None
        assert (change.from_stage_id, change.to_stage_id) == (
            opportunity.stage_id,
            qualification.pk,
        )
        assert StageChange.objects.filter(pk__gt=change.pk).count() == 0
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
            StageChange.objects.filter(pk=change.pk).update(probability=1)


# Leads (leads/benchdata) -------------------------------------------------------------------------------


def test_the_lead_tables_hold_what_the_profile_announces(main: Tenant) -> None:
    from leads.benchdata import LEADS, SMALL_LEADS
    from leads.models import Lead, LeadSource

    with tenant_scope(main):
        statuses = Counter(Lead.objects.values_list("status", flat=True))
        assert sum(statuses.values()) == LEADS["tiny"]
        assert set(statuses) == set(Lead.Status.values)
        assert list(LeadSource.objects.order_by("position").values_list("code", flat=True)) == [
            code for code, _name in LeadSource.DEFAULTS
        ]
        assert Lead.objects.filter(owner=None).exclude(status="new").count() == 0
        assert 0 < Lead.objects.filter(owner=None).count() < Lead.objects.filter(status="new").count()
        # The rep sees the leads of her micro-secteurs, not the others nor the queue.
        rep = Membership.objects.get(user__email=BENCH_USERS["field_sales_rep"])
        assert 0 < Lead.objects.visible_to(rep).count() < LEADS["tiny"]  # type: ignore[attr-defined]
    for tenant in Tenant.objects.filter(slug__startswith="bench-t"):
        with tenant_scope(tenant):
            assert Lead.objects.count() == SMALL_LEADS["tiny"]


def test_every_leads_deadline_breach_and_conversion_are_consistent(main: Tenant) -> None:
    from leads.models import Lead

    with connections["owner"].cursor() as cursor:
        cursor.execute(f"SELECT date_trunc('second', max(started_at)) FROM {DATASET_TABLE}")  # noqa: S608
        now = cursor.fetchone()[0]  # the generator's "now"
    with tenant_scope(main):
        leads = list(Lead.objects.select_related("source", "converted_contact", "converted_opportunity"))
    breached = linked = 0
    for lead in leads:
        if lead.owner_id is None:
            assert (lead.assigned_at, lead.first_contact_due_at, lead.status) == (None, None, "new")
            continue
        hours = lead.source.sla_hours if lead.source and lead.source.sla_hours else 24
        assert lead.assigned_at is not None
        assert lead.first_contact_due_at == lead.assigned_at + timedelta(hours=hours)
        assert all(
            moment <= now
            for moment in (lead.created_at, lead.first_contacted_at, lead.converted_at)
            if moment
        )
        late = (lead.first_contacted_at or now) > lead.first_contact_due_at
        assert (lead.sla_breached_at is not None) == (late and lead.first_contact_due_at < now), lead.pk
        assert lead.sla_escalated_at == lead.sla_breached_at
        breached += lead.sla_breached_at is not None
        assert (lead.status == "unqualified") == bool(lead.unqualified_reason)
        if lead.status == "converted":
            assert lead.converted_at is not None
            assert lead.converted_by_id == lead.owner_id
            assert (
                lead.converted_contact is None
                or lead.converted_contact.account_id == lead.converted_account_id
            )
            assert lead.converted_account_id is not None
            if lead.converted_opportunity is not None:
                assert lead.converted_opportunity.account_id == lead.converted_account_id
                assert lead.converted_opportunity.created_at == lead.converted_at
                linked += 1
    assert 0 < breached < len(leads)
    assert linked > 0


def test_lead_search_entries_are_what_the_application_would_index(main: Tenant) -> None:
    from leads.models import Lead
    from leads.search import LEAD, lead_document

    entries = {
        object_id: (title, subtitle, text)
        for object_id, title, subtitle, text in _owner_rows(
            "SELECT object_id, title, subtitle, text FROM search_entry WHERE object_type = %s"
            " AND tenant_id = current_setting('app.tenant_id')::bigint",
            [LEAD],
        )
    }
    with tenant_scope(main), translation.override("fr"):
        leads = list(Lead.objects.order_by("pk"))
        for lead in leads:
            document = lead_document(lead)
            assert entries[lead.pk] == (document.title, document.subtitle, document.text)
    assert len(entries) == len(leads) + Tenant.objects.filter(slug__startswith="bench-t").count() * 5


def test_opportunity_search_entries_are_what_the_application_would_index(main: Tenant) -> None:
    from opportunities.models import Opportunity
    from opportunities.search import OPPORTUNITY, opportunity_document

    entries = {
        object_id: (title, subtitle, text)
        for object_id, title, subtitle, text in _owner_rows(
            "SELECT object_id, title, subtitle, text FROM search_entry WHERE object_type = %s"
            " AND tenant_id = current_setting('app.tenant_id')::bigint",
            [OPPORTUNITY],
        )
    }
    total = 0
    for tenant in Tenant.objects.filter(slug__startswith="bench-"):
        with tenant_scope(tenant):
            for opportunity in Opportunity.objects.select_related("account", "stage").order_by("pk"):
                document = opportunity_document(opportunity)
                assert entries[opportunity.pk] == (document.title, document.subtitle, document.text)
                total += 1
    assert len(entries) == total > 0
