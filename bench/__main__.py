"""`./dev bench` (or `python -m bench`): the benchmark suite of issue 4. See README, "Benchmarks".

1. The benchmark database of the profile: refused unless it is one (crm.benchmark), created, migrated,
   and filled by `generate_benchmark_data` when it holds no data set or --generate is given.
2. The SQL floor of each scenario (bench/floors.py), an API key for the run, the paths to request.
3. gunicorn in benchmark mode; for each concurrency, the framework floor then every HTTP scenario
   under locust; gunicorn stopped.
4. The jobs (duplicate scan, import), timed in this process.
5. The table, printed and written to <out>/<date>-<profile>.md. Exit code 1 on any error.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="./dev bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", choices=("tiny", "small", "large"), required=True)
    parser.add_argument("--generate", action="store_true", help="regenerate the data set first")
    parser.add_argument("--seed", type=int, default=None, help="seed of the generated data set")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario and concurrency")
    parser.add_argument("--concurrency", default="1,16", help="comma-separated, e.g. 1,16")
    parser.add_argument("--scenarios", default="", help="comma-separated names (default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder of the report")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from bench.database import BenchError

    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except BenchError as error:
        print(f"[bench] {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the server and the API key were put away on the way out
        print("[bench] interrupted", file=sys.stderr)
        return 130


def run(args: argparse.Namespace) -> int:
    from bench.database import BenchError, bench_environment, database_urls

    app_url, owner_url = database_urls(dict(os.environ), args.profile)
    env = bench_environment(app_url, owner_url)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management.base import CommandError

    from bench.database import manage
    from crm import benchmark

    try:
        prepare_database(owner_url)
    except CommandError as error:
        raise BenchError(str(error)) from None
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    dataset = benchmark.loaded_dataset()
    if dataset is None or args.generate or (args.seed is not None and dataset.seed != args.seed):
        seed = ["--seed", str(args.seed)] if args.seed is not None else []
        print(f"[bench] generating the {args.profile} data set", flush=True)
        # --reset: replace whatever a previous (or interrupted) load left; a benchmark database only.
        manage(env, "generate_benchmark_data", "--profile", args.profile, "--reset", *seed)
        dataset = benchmark.loaded_dataset()
    if dataset is None:
        raise BenchError("generate_benchmark_data left no data set in bench_dataset")
    if dataset.profile != args.profile:
        raise BenchError(
            f"the database holds the {dataset.profile} data set, not {args.profile}: run with --generate"
        )
    benchmark.assert_benchmark_database()  # the generator may have added tenants: check again
    analyze()
    return measure(args, env)


def analyze() -> None:
    """Fresh planner statistics, as autovacuum keeps them in production: right after a bulk load they
    may be missing, and the plans (the app's and the floors') would measure that instead."""
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        cursor.execute("ANALYZE")


def prepare_database(owner_url: str) -> None:
    """The guard first (it refuses by name before connecting); a missing database is then created."""
    from django.db import OperationalError, connections

    from bench.database import create_database
    from crm import benchmark

    try:
        benchmark.assert_benchmark_database()
    except OperationalError:
        for connection in connections.all():
            connection.close()
        create_database(owner_url)
        benchmark.assert_benchmark_database()


def measure(args: argparse.Namespace, env: dict[str, str]) -> int:
    from bench import jobs, report
    from bench.database import BenchError
    from bench.floors import sql_floor_ms
    from bench.load import run_load
    from bench.scenarios import FLOOR_ROLE, HTTP_SCENARIOS, JOB_SCENARIOS, floor_paths
    from bench.server import running_server
    from bench.sessions import SessionPool
    from crm import benchmark
    from crm.tenancy import tenant_scope

    wanted = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in HTTP_SCENARIOS and name not in JOB_SCENARIOS]
    if unknown:
        known = ", ".join([*HTTP_SCENARIOS, *JOB_SCENARIOS])
        raise BenchError(f"unknown scenario(s) {', '.join(unknown)}; known: {known}")
    http = [scenario for name, scenario in HTTP_SCENARIOS.items() if not wanted or name in wanted]
    job_list = [scenario for name, scenario in JOB_SCENARIOS.items() if not wanted or name in wanted]
    concurrencies = [int(value) for value in args.concurrency.split(",") if value.strip()]

    skipped = {
        scenario.name: note for scenario in http if scenario.unavailable and (note := scenario.unavailable())
    }
    for name, note in skipped.items():
        print(f"[bench] skipped {name}: {note}", flush=True)
    http = [scenario for scenario in http if scenario.name not in skipped]

    context = build_context(args.profile)
    key, full_key = create_api_key(context)
    outcome = report.Report(profile=args.profile, duration=args.duration)
    outcome.skipped.extend(f"{name}: {note}" for name, note in skipped.items())
    try:
        plans: dict[str, tuple[list[str], float]] = {}
        with tenant_scope(context.tenant):
            for scenario in http:
                paths = scenario.paths(context)
                plans[scenario.name] = (paths, 0.0)
        for scenario in http:
            paths = plans[scenario.name][0]
            with tenant_scope(context.tenant):
                statements = scenario.floor(context, paths)
            plans[scenario.name] = (paths, sql_floor_ms(context.tenant, statements))
            print(f"[bench] SQL floor of {scenario.name}: {plans[scenario.name][1]:.2f} ms", flush=True)

        def load(role: str, paths: list[str], concurrency: int, sessions: SessionPool) -> Any:
            credentials: dict[str, Any] = (
                {"api_key": full_key}
                if role == "api"
                else {"sessions": sessions.take(benchmark.BENCH_USERS[role], concurrency)}
            )
            return run_load(
                host=sessions.host,
                paths=paths,
                concurrency=concurrency,
                duration=args.duration,
                **credentials,
            )

        if http:
            with running_server(env) as server:
                outcome.machine["server"] = server.description
                sessions = SessionPool(server.url, benchmark.PASSWORD)
                for concurrency in concurrencies:
                    framework = load(FLOOR_ROLE, floor_paths(context), concurrency, sessions)
                    if framework.errors:
                        raise BenchError(f"the framework floor page failed: {framework.first_error}")
                    print(f"[bench] c={concurrency} framework floor p50 {framework.p50:.1f} ms", flush=True)
                    for scenario in http:
                        paths, sql_floor = plans[scenario.name]
                        result = load(scenario.role, paths, concurrency, sessions)
                        row = report.Row(
                            scenario.name, scenario.target, concurrency, result, sql_floor, framework.p50
                        )
                        outcome.rows.append(row)
                        print(
                            f"[bench] c={concurrency} {scenario.name}: p50 {result.p50:.1f} ms, "
                            f"p95 {result.p95:.1f} ms, {result.throughput:.1f} req/s, {result.errors} errors"
                            + (f" (first: {result.first_error})" if result.errors else ""),
                            flush=True,
                        )
        for job in job_list:
            print(f"[bench] running {job.name}", flush=True)
            try:
                outcome.jobs[job.name] = job.run(context)
            except BenchError as error:  # reported with the rest; the exit code says it failed
                outcome.failures.append(f"{job.name}: {error}")
    finally:
        revoke_api_key(context, key)
    outcome.machine = {**describe(context, jobs.IMPORT_ROWS), **outcome.machine}
    print()
    print(report.text_table(outcome))
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    path = report.write(outcome, args.out, date)
    print(f"\n[bench] report written to {path}")
    for failure in outcome.failures:
        print(f"[bench] failed: {failure}", file=sys.stderr)
    if outcome.errors:
        print(f"[bench] {outcome.errors} request(s) failed", file=sys.stderr)
    if outcome.errors or outcome.failures:
        return 1
    return 0


def build_context(profile: str) -> Any:
    from bench.base import Context
    from bench.database import BenchError
    from crm import benchmark
    from crm.models import Membership, Tenant
    from crm.tenancy import tenant_scope

    tenant = Tenant.objects.filter(slug=benchmark.MAIN_TENANT_SLUG).first()
    if tenant is None:
        raise BenchError(
            f"no tenant {benchmark.MAIN_TENANT_SLUG} in the benchmark database: run with --generate"
        )
    memberships = {}
    with tenant_scope(tenant):
        for role, email in benchmark.BENCH_USERS.items():
            membership = Membership.objects.select_related("user").filter(user__email=email).first()
            if membership is None:
                raise BenchError(
                    f"the benchmark user {email} is not a member of {tenant.slug}: run with --generate"
                )
            memberships[role] = membership
    return Context(tenant=tenant, memberships=memberships, profile=profile)


def create_api_key(context: Any) -> tuple[Any, str]:
    """A key for this run only, through the service the admin page uses; revoked at the end."""
    from bench.scenarios import API_KEY_ROLE
    from crm.services import api_key_create
    from crm.tenancy import tenant_scope

    actor = context.memberships["tenant_admin"].user
    with tenant_scope(context.tenant):
        key, full_key = api_key_create(
            tenant=context.tenant, name="benchmark run", role=API_KEY_ROLE, actor=actor
        )
    context.api_key = full_key
    return key, full_key


def revoke_api_key(context: Any, key: Any) -> None:
    from crm.services import api_key_revoke
    from crm.tenancy import tenant_scope

    with tenant_scope(context.tenant):
        api_key_revoke(key=key, actor=context.memberships["tenant_admin"].user)


def describe(context: Any, import_rows: dict[str, int]) -> dict[str, str]:
    import django
    from django.db import connection

    from accounts.models import Account, Contact
    from bench.report import machine_description
    from crm import benchmark
    from crm.tenancy import tenant_scope

    with connection.cursor() as cursor:
        postgres = {}
        cursor.execute("SHOW server_version")
        postgres["version"] = cursor.fetchone()[0]
        for setting in ("shared_buffers", "work_mem", "effective_cache_size", "max_connections"):
            cursor.execute(f"SHOW {setting}")
            postgres[setting] = cursor.fetchone()[0]
        cursor.execute(f"SELECT * FROM {benchmark.DATASET_TABLE} ORDER BY finished_at DESC LIMIT 1")  # noqa: S608
        names = [column.name for column in cursor.description or []]
        dataset = dict(zip(names, cursor.fetchone() or (), strict=False))
    with tenant_scope(context.tenant):
        accounts, contacts = Account.objects.count(), Contact.objects.count()
    counts = f"{accounts:,} accounts, {contacts:,} contacts in {context.tenant.slug}"
    recorded = ", ".join(f"{key} {value}" for key, value in dataset.items())
    import gunicorn

    return machine_description(
        postgres=postgres,
        dataset=f"{recorded}; now {counts}; import of {import_rows.get(context.profile, 0):,} rows",
        server="",
        versions={
            "Python": sys.version.split()[0],
            "Django": django.get_version(),
            "gunicorn": gunicorn.__version__,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
