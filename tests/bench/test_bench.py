"""The benchmark suite's pieces that need no gunicorn: the instrumentation in benchmark mode and out
of it, the SQL floor, the measurements and the report. The whole command runs in CI (`./dev bench
--profile tiny`, .ci/run)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management.base import CommandError
from django.db import DataError
from django.test import Client, override_settings
from stdnum.fr import siret as siret_number

from bench import report
from bench.base import JobResult
from bench.database import BenchError, database_urls
from bench.floors import sql_floor_ms
from bench.jobs import import_file, run_siret
from bench.load import LoadResult, percentile, summarise
from bench.scenarios import HTTP_SCENARIOS, JOB_SCENARIOS
from crm.bench_mode import FLOOR_PATH, QUERIES_HEADER, QueryCountMiddleware
from crm.roles import Role

BENCHMARK_MODE = override_settings(
    CRM_BENCHMARK=True,
    MIDDLEWARE=["crm.bench_mode.QueryCountMiddleware", *settings.MIDDLEWARE],
    CRM_TENANT_URLCONF="crm.bench_mode",
)


def test_in_benchmark_mode_the_floor_page_answers_members_with_its_query_count(tenant, client_of) -> None:
    # given a member of the tenant, in benchmark mode
    with BENCHMARK_MODE:
        client, _membership = client_of(tenant, Role.FIELD_SALES_REP)

        # when they open the floor page
        response = client.get(f"/t/{tenant.slug}/{FLOOR_PATH}")

    # then it is the tiny page, and the header counts the session, user and membership queries
    assert (response.status_code, response.content) == (200, b"ok")
    assert int(response[QUERIES_HEADER]) >= 3


def test_the_floor_page_is_for_members_only(tenant, other_tenant, client_of) -> None:
    with BENCHMARK_MODE:
        _client, outsider = client_of(other_tenant)
        stranger, anonymous = Client(), Client()
        stranger.force_login(outsider.user)

        foreign = stranger.get(f"/t/{tenant.slug}/{FLOOR_PATH}")
        nobody = anonymous.get(f"/t/{tenant.slug}/{FLOOR_PATH}")

    assert foreign.status_code == 404
    assert (nobody.status_code, nobody["Location"]) == (302, f"/login/?next=/t/{tenant.slug}/{FLOOR_PATH}")


def test_outside_benchmark_mode_there_is_neither_floor_page_nor_header(tenant, client_of) -> None:
    client, _membership = client_of(tenant)

    response = client.get(f"/t/{tenant.slug}/{FLOOR_PATH}")

    assert response.status_code == 404
    assert QUERIES_HEADER not in response
    with pytest.raises(Exception, match="benchmark mode only"):
        QueryCountMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]


def test_the_sql_floor_runs_as_the_application_role_inside_the_tenant(tenant, other_tenant) -> None:
    # The statement divides by zero unless it runs as the application role with this tenant set.
    def statement(expected_tenant: int) -> tuple[str, list[object]]:
        return (
            "SELECT 1 / (CASE WHEN current_user = %s AND current_setting('app.tenant_id') = %s"
            " THEN 1 ELSE 0 END)",
            [settings.DATABASES["default"]["USER"], str(expected_tenant)],
        )

    floor = sql_floor_ms(tenant, [statement(tenant.pk)], runs=3)

    assert 0 < floor < 50
    with pytest.raises(DataError, match="division by zero"):
        sql_floor_ms(tenant, [statement(other_tenant.pk)], runs=3)


def test_percentiles_and_summary_of_a_run() -> None:
    samples = [float(value) for value in range(1, 101)]

    result = summarise({"samples": samples, "queries": [7, 9, 8], "errors": ["HTTP 500"], "seconds": 4.0})

    assert (percentile(samples, 0.95), percentile(samples, 0.99), result.p50) == (95.0, 99.0, 50.5)
    assert (result.requests, result.errors, result.throughput) == (100, 1, 25.0)
    assert (result.queries_min, result.queries_max, result.first_error) == (7, 9, "HTTP 500")


def test_the_report_states_each_target_met_or_missed(tmp_path) -> None:
    fast = LoadResult(200, 0, 10.0, 20.0, 40.0, 60.0, 8, 8)
    slow = LoadResult(50, 2, 10.0, 90.0, 180.0, 250.0, 11, 14, "HTTP 500")
    outcome = report.Report(profile="small", duration=10, machine={"CPU": "test"})
    outcome.rows = [
        report.Row("account_list", "list", 1, fast, sql_floor_ms=2.0, framework_floor_ms=12.0),
        report.Row("search_common", "search", 1, slow, sql_floor_ms=5.0, framework_floor_ms=12.0),
    ]
    outcome.jobs["import"] = JobResult(rows=10_000, seconds=0.4, detail="9500 created")
    outcome.failures.append("duplicate_scan: it broke")

    path = report.write(outcome, tmp_path, "2026-11-27")
    text = path.read_text()

    assert path.name == "2026-11-27-small.md"
    assert "| account_list | 1 | 20.0 | 40.0 | 60.0 | 20.0 | 0 | 8 | 2.00 | 12.0 | 1.4 | yes |" in text
    assert "| search_common | 1 | 90.0 | 180.0 | 250.0 | 5.0 | 2 | 11-14 | 5.00 | 12.0 | 5.3 |" in text
    assert "no: p95 > 150 ms, ratio > 2, errors" in text
    assert "10,000 rows in 0.4 s = 25,000 rows/s (target ≥ 20,000: met)" in text
    assert "- FAILED duplicate_scan: it broke" in text
    assert outcome.errors == 2


def test_the_import_file_holds_valid_sirets_and_duplicates() -> None:
    content = import_file(100, run=42, existing=["73282932000074"]).decode().splitlines()

    sirets = [line.split(";")[1] for line in content[1:]]
    assert content[0].startswith("Raison sociale;SIRET;")
    assert all(siret_number.is_valid(siret) for siret in sirets if siret != "73282932000074")
    assert len(sirets) - len(set(sirets)) >= 5
    assert sirets.count("73282932000074") == 5
    assert siret_number.is_valid(run_siret(7, 12345))


def test_the_database_is_the_profiles_unless_one_is_named() -> None:
    env = {
        "DATABASE_URL": "postgres://crm_app:pw@127.0.0.1:5432/crm",
        "DATABASE_OWNER_URL": "postgres://crm_owner:pw@127.0.0.1:5432/crm",
    }

    assert database_urls(env, "large") == (
        "postgres://crm_app:pw@127.0.0.1:5432/crm_bench_large",
        "postgres://crm_owner:pw@127.0.0.1:5432/crm_bench_large",
    )
    named = {
        **env,
        "BENCH_DATABASE_URL": "postgres://a@h/x_bench",
        "BENCH_DATABASE_OWNER_URL": "postgres://o@h/x_bench",
    }
    assert database_urls(named, "tiny") == ("postgres://a@h/x_bench", "postgres://o@h/x_bench")
    with pytest.raises(BenchError, match="BENCH_DATABASE_OWNER_URL"):
        database_urls({**env, "BENCH_DATABASE_URL": "postgres://a@h/x_bench"}, "tiny")


def test_the_guard_refuses_a_database_holding_other_tenants(tenant) -> None:
    # The test database is admitted by its name; the tenant "durand" is not a benchmark tenant.
    from crm.benchmark import assert_benchmark_database

    with pytest.raises(CommandError, match="durand"):
        assert_benchmark_database()


def test_every_scenario_is_registered_once_with_a_known_role_and_target() -> None:
    from crm.benchmark import BENCH_USERS

    assert {scenario.role for scenario in HTTP_SCENARIOS.values()} <= {*BENCH_USERS, "api"}
    assert {scenario.target for scenario in HTTP_SCENARIOS.values()} <= {"list", "detail", "search", "api"}
    assert set(JOB_SCENARIOS) == {"duplicate_scan", "import"}
    assert not set(HTTP_SCENARIOS) & set(JOB_SCENARIOS)


NEW_SCENARIOS = {
    "opportunity_board": "field_sales_rep",
    "opportunity_board_director": "sales_director",
    "opportunity_list": "field_sales_rep",
    "opportunity_list_filtered": "sales_manager",
    "lead_list": "field_sales_rep",
    "lead_list_manager": "sales_manager",
}


def test_the_kanban_opportunity_and_lead_lists_are_list_scenarios_of_their_roles() -> None:
    assert {name: HTTP_SCENARIOS[name].role for name in NEW_SCENARIOS} == NEW_SCENARIOS
    assert {HTTP_SCENARIOS[name].target for name in NEW_SCENARIOS} == {"list"}


def test_the_new_scenarios_paths_and_sql_floors_run_in_a_tenant(tenant, member) -> None:
    # given a tenant with its default pipeline and a member of each role the scenarios use
    from bench.base import Context
    from crm.tenancy import tenant_scope
    from opportunities.services.defaults import pipeline_defaults_ensure

    with tenant_scope(tenant):
        pipeline = pipeline_defaults_ensure(tenant=tenant)
    memberships = {role: member(tenant, role=role) for role in set(NEW_SCENARIOS.values())}
    context = Context(tenant=tenant, memberships=memberships, profile="tiny")

    # when each scenario chooses its paths and its floor statements, and the floor is measured
    floors, paths = {}, {}
    for name in NEW_SCENARIOS:
        scenario = HTTP_SCENARIOS[name]
        with tenant_scope(tenant):
            paths[name] = scenario.paths(context)
            statements = scenario.floor(context, paths[name])
        floors[name] = sql_floor_ms(tenant, statements, runs=2)

    # then the pages are the kanban of the default pipeline and the two lists, and every floor ran
    prefix = f"/t/{tenant.slug}"
    assert paths == {
        "opportunity_board": [f"{prefix}/opportunities/board/{pipeline.pk}/"],
        "opportunity_board_director": [f"{prefix}/opportunities/board/{pipeline.pk}/"],
        "opportunity_list": [f"{prefix}/opportunities/"],
        "opportunity_list_filtered": [f"{prefix}/opportunities/?status=open&owner=team"],
        "lead_list": [f"{prefix}/leads/"],
        "lead_list_manager": [f"{prefix}/leads/"],
    }
    assert all(0 <= value < 1_000 for value in floors.values())
