"""Benchmark data: the registry of generators and the bulk loader `generate_benchmark_data` runs.

Each app that has benchmark data ships a module `<app>.benchdata` that calls `register(...)` when
imported; `discover()` imports those modules for every installed app, so a later app (opportunities,
activities, tickets) adds its generator without editing the command. Generators run in `order` and
share a `BenchContext`: the profile's sizes, one `random.Random` per generator derived from the seed
(never the global one, so the same seed gives the same rows), the ids and people the earlier
generators created (`ctx.state`), and `ctx.copy(...)`, which streams rows to PostgreSQL with COPY.

The whole load is one transaction on the owner connection. Before the first row, the tables the
generators declare lose their secondary indexes and constraints (their definitions are kept and
replayed at the end: one index build beats millions of index insertions), and row-level security is
no longer *forced* on them, because PostgreSQL refuses COPY FROM into a table whose policies apply to
the copying role. Both are put back before the commit, so no other session ever sees them missing.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections, models, transaction
from django.utils.translation import gettext as _

from crm.benchmark import DATASET_TABLE, EMAIL_DOMAIN, TENANT_SLUG_PREFIX, assert_benchmark_database


@dataclass(frozen=True)
class Profile:
    """Sizes of one profile. Small tenants hold `small_accounts` accounts and 3 contacts per account."""

    name: str
    main_accounts: int
    main_contacts: int
    main_users: int
    main_managers: int
    skewed_account_contacts: int  # contacts of the one very large account of the main tenant
    small_tenants: int
    small_accounts: int
    small_contacts: int
    small_users: int


PROFILES: dict[str, Profile] = {
    "tiny": Profile("tiny", 1_000, 3_000, 20, 2, 300, 3, 25, 75, 2),
    "small": Profile("small", 50_000, 150_000, 100, 10, 5_000, 20, 250, 750, 3),
    "large": Profile("large", 1_000_000, 3_000_000, 500, 50, 50_000, 1_000, 250, 750, 3),
}


@dataclass
class BenchContext:
    profile: Profile
    seed: int
    cursor: Any  # a psycopg cursor of the owner connection, inside the load's transaction
    now: datetime
    state: dict[str, Any] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    frozen: frozenset[str] = frozenset()  # tables emptied in this transaction: COPY FREEZE applies
    _next_ids: dict[str, int] = field(default_factory=dict)
    _types: dict[str, dict[str, int]] = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        """A generator of its own for each part of the data, so adding a part never shifts another."""
        return random.Random(f"{self.seed}:{name}")  # noqa: S311 - test data, not secrets

    def next_id(self, table: str, column: str = "id") -> int:
        """The next free id of `table`, allocated here so rows can point at each other before COPY."""
        key = f"{table}.{column}"
        if key not in self._next_ids:
            self.cursor.execute(f"SELECT COALESCE(max({column}), 0) + 1 FROM {table}")  # noqa: S608
            self._next_ids[key] = int(self.cursor.fetchone()[0])
        value = self._next_ids[key]
        self._next_ids[key] = value + 1
        return value

    def ids(self, table: str, count: int, column: str = "id") -> range:
        first = self.next_id(table, column)
        self._next_ids[f"{table}.{column}"] = first + count
        return range(first, first + count)

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Stream rows into `table` with COPY; returns (and counts) how many were written."""
        written = 0
        # FREEZE writes the rows already frozen and visible to all: no hint-bit rewrite or vacuum later,
        # and index-only scans work from the first benchmark query.
        # Binary: PostgreSQL parses no text (about a third faster than the text format, measured).
        freeze = ", FREEZE" if table in self.frozen else ""
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT BINARY{freeze})"
        types = self._column_types(table, columns)
        with self.cursor.copy(sql) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
                written += 1
        self.counts[table] += written
        return written

    def _column_types(self, table: str, columns: Sequence[str]) -> list[int]:
        if table not in self._types:
            self.cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [table],
            )
            self._types[table] = dict(self.cursor.fetchall())
        return [int(self._types[table][column]) for column in columns]

    def timestamp(self, rng: random.Random, *, years: float = 5.0, after: datetime | None = None) -> datetime:
        """A moment in the last `years` years (or between `after` and now)."""
        start = after or self.now - timedelta(days=365.25 * years)
        return start + (self.now - start) * rng.random()


@dataclass(frozen=True)
class Generator:
    name: str
    generate: Callable[[BenchContext], None]
    tables: tuple[str, ...]  # the tables it writes: prepared for bulk load, counted, sequences reset
    order: int = 100


_registry: dict[str, Generator] = {}


def register(generator: Generator) -> None:
    _registry[generator.name] = generator


def discover() -> list[Generator]:
    """Import `<app>.benchdata` of every installed app (each registers its generators), in order."""
    for config in apps.get_app_configs():
        module = f"{config.name}.benchdata"
        if importlib.util.find_spec(config.name) and importlib.util.find_spec(module):
            importlib.import_module(module)
    return sorted(_registry.values(), key=lambda item: (item.order, item.name))


def copy_columns(model: type[models.Model], columns: Sequence[str], table: str | None = None) -> list[str]:
    """Check a generator's column list against the model: a new required column must not go unfilled.
    Generated columns and columns with a database default may be left out."""
    expected = {
        f.column
        for f in model._meta.concrete_fields
        if not isinstance(f, models.GeneratedField)
        and getattr(f, "db_default", models.NOT_PROVIDED) is models.NOT_PROVIDED
    }
    missing = sorted(str(column) for column in expected - set(columns))
    unknown = sorted(set(columns) - {str(f.column) for f in model._meta.concrete_fields})
    if missing or unknown:
        raise CommandError(
            f"{table or model._meta.db_table}: the benchmark generator does not write {missing}"
            f" or writes unknown columns {unknown}; update its column list."
        )
    return list(columns)


class HistoryRows:
    """Rows of a django-simple-history table built from the rows of its model: the tracked columns
    taken from the object row, then the history's own (id, date, type, user)."""

    META = ("history_id", "history_date", "history_change_reason", "history_type", "history_user_id")

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        history = model.history.model  # type: ignore[attr-defined]
        self.table = history._meta.db_table
        tracked = [f.column for f in history._meta.concrete_fields if f.column not in self.META]
        positions = {column: index for index, column in enumerate(columns)}
        missing = [column for column in tracked if column not in positions]
        if missing:
            raise CommandError(f"{self.table}: no value for {missing} in the object rows.")
        self.picks = [positions[column] for column in tracked]
        self.columns = [*tracked, *self.META]

    def row(
        self, values: Sequence[Any], history_id: int, when: datetime, kind: str, user_id: int | None
    ) -> tuple[Any, ...]:
        return (*[values[i] for i in self.picks], history_id, when, None, kind, user_id)


class BackgroundCopy:
    """Runs COPY work in a second thread, one piece at a time and in order, so that Python builds the
    next rows while PostgreSQL takes in the last ones (waiting on the socket releases the GIL). Only the
    background thread may use the cursor until the block ends; an error there is raised at the end."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="bench-copy", daemon=True)

    def _run(self) -> None:
        while (work := self.queue.get()) is not None:
            if self.error is None:
                try:
                    work()
                except BaseException as error:  # handed back to the caller's thread
                    self.error = error

    def submit(self, work: Callable[[], object]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(work)

    def __enter__(self) -> BackgroundCopy:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


# The load -------------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _detach(cursor: Any, tables: Sequence[str]) -> list[str]:
    """Drop the secondary indexes, unique and foreign-key constraints of `tables`; return the SQL that
    recreates them. Primary keys stay (other tables' foreign keys depend on them), and so does a unique
    constraint that a foreign key depends on."""
    restore: list[str] = []
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
        FROM pg_constraint c
        WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint f
              WHERE f.contype = 'f' AND f.conindid = c.conindid AND c.contype = 'u'
          )
        ORDER BY c.contype DESC, 1, 2
        """,
        [list(tables)],
    )
    constraints = cursor.fetchall()
    for table, name, definition, _kind in constraints:
        cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
        restore.append(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [list(tables)],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # Indexes first, then unique constraints, then foreign keys (which may need the unique ones).
    uniques = [sql for sql in restore if " UNIQUE " in sql]
    foreign = [sql for sql in restore if " UNIQUE " not in sql]
    return [definition for _name, definition in indexes] + uniques + foreign


def _reset_sequences(cursor: Any, tables: Sequence[str]) -> None:
    for table in tables:
        cursor.execute(
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0"
            " AND NOT a.attisdropped AND pg_get_serial_sequence(%s, a.attname) IS NOT NULL",
            [table, table],
        )
        for (column,) in cursor.fetchall():
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s),"  # noqa: S608 - names from the catalogue
                f" COALESCE(max({_quote(column)}), 0) + 1, false) FROM {_quote(table)}",
                [table, column],
            )


def _bench_tables() -> list[str]:
    from crm.rls import definer_only_tables, tenant_owned_tables

    return sorted({*tenant_owned_tables(), *definer_only_tables(), "crm_tenant"})


def holds_benchmark_data(using: str) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM crm_tenant)")
        return bool(cursor.fetchone()[0])


def reset(using: str) -> None:
    """Empty the benchmark tables of a benchmark database (the guard has run): every tenant and its rows,
    and the generated users (email at the benchmark domain) with what points at them."""
    with connections[using].cursor() as cursor:
        tables = ", ".join(_quote(table) for table in _bench_tables())
        cursor.execute(f"TRUNCATE {tables} CASCADE")
        bench_users = "SELECT id FROM crm_user WHERE email LIKE %s"
        pattern = f"%@{EMAIL_DOMAIN}"
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
            " WHERE c.contype = 'f' AND c.confrelid = 'crm_user'::regclass AND c.conrelid <> c.confrelid"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f"DELETE FROM {_quote(table)} WHERE {_quote(column)} IN ({bench_users})",  # noqa: S608
                [pattern],
            )
        cursor.execute(f"DELETE FROM crm_user WHERE id IN ({bench_users})", [pattern])  # noqa: S608


@dataclass
class LoadResult:
    profile: str
    seed: int
    seconds: float
    counts: dict[str, int]


def load(
    profile_name: str,
    *,
    seed: int,
    using: str = "owner",
    reset_first: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> LoadResult:
    """Fill a benchmark database with `profile_name` (see the module docstring)."""
    assert_benchmark_database(using)
    if holds_benchmark_data(using):
        if not reset_first:
            raise CommandError(
                _(
                    "Refusing to load: this database already holds benchmark data. "
                    "Run the command again with --reset to empty the benchmark tables first."
                )
            )
        reset(using)
        log("reset: benchmark tables emptied")
    profile = PROFILES[profile_name]
    generators = discover()
    tables = list(dict.fromkeys(table for generator in generators for table in generator.tables))
    started_at = datetime.now(UTC)
    clock = time.monotonic()
    connection = connections[using]
    with transaction.atomic(using=using):
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 1")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL statement_timeout = 0")
        forced = _unforce_row_security(cursor, tables)
        restore = _detach(cursor, tables)
        frozen = _empty_for_freeze(cursor, tables)
        ctx = BenchContext(
            profile=profile, seed=seed, cursor=cursor, now=started_at.replace(microsecond=0), frozen=frozen
        )
        for generator in generators:
            step = time.monotonic()
            generator.generate(ctx)
            log(f"{generator.name}: {time.monotonic() - step:.1f} s")
        step = time.monotonic()
        for sql in restore:
            cursor.execute(sql)
        log(f"indexes and constraints rebuilt: {time.monotonic() - step:.1f} s")
        # Before row-level security applies to the owner again: under it, max(id) sees no row.
        _reset_sequences(cursor, tables)
        for table in forced:
            cursor.execute(f"ALTER TABLE {_quote(table)} FORCE ROW LEVEL SECURITY")
        counts = {table: ctx.counts[table] for table in tables if ctx.counts[table]}
        seconds = time.monotonic() - clock
        _record(cursor, profile_name, seed, started_at, seconds, counts)
    step = time.monotonic()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {_quote(table)}")
    log(f"analyze: {time.monotonic() - step:.1f} s")
    return LoadResult(profile_name, seed, time.monotonic() - clock, counts)


def _empty_for_freeze(cursor: Any, tables: Sequence[str]) -> frozenset[str]:
    """Truncate the tenant tables about to be loaded, so that COPY may FREEZE their rows. They are empty
    already (no tenant exists, `load` checked): every tenant-owned row needs its tenant. Users are
    global and may exist outside the benchmark; their table is left alone."""
    bench = set(_bench_tables())
    emptied = [table for table in tables if table in bench]
    if emptied:
        cursor.execute(f"TRUNCATE {', '.join(_quote(table) for table in emptied)} CASCADE")
    return frozenset(emptied)


def _unforce_row_security(cursor: Any, tables: Sequence[str]) -> list[str]:
    cursor.execute(
        "SELECT relname FROM pg_class WHERE oid = ANY(%s::regclass[]) AND relforcerowsecurity ORDER BY 1",
        [list(tables)],
    )
    forced = [row[0] for row in cursor.fetchall()]
    for table in forced:
        cursor.execute(f"ALTER TABLE {_quote(table)} NO FORCE ROW LEVEL SECURITY")
    return forced


def _record(
    cursor: Any, profile: str, seed: int, started_at: datetime, seconds: float, counts: dict[str, int]
) -> None:
    cursor.execute(
        f"""
        CREATE TABLE IF NOT EXISTS {DATASET_TABLE} (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            profile text NOT NULL,
            seed integer NOT NULL,
            started_at timestamptz NOT NULL,
            finished_at timestamptz NOT NULL,
            seconds double precision NOT NULL,
            counts jsonb NOT NULL
        )
        """
    )
    app_role = getattr(settings, "CRM_APP_DB_ROLE", "")
    if app_role:
        cursor.execute(f"GRANT SELECT ON {DATASET_TABLE} TO {_quote(app_role)}")
    cursor.execute(
        f"INSERT INTO {DATASET_TABLE} (profile, seed, started_at, finished_at, seconds, counts)"  # noqa: S608
        " VALUES (%s, %s, %s, clock_timestamp(), %s, %s::jsonb)",
        [profile, seed, started_at, seconds, json.dumps(counts)],
    )


def slug(index: int) -> str:
    """Slug of the index-th small tenant."""
    return f"{TENANT_SLUG_PREFIX}t{index:04d}"


from crm.benchdata import kernel  # noqa: E402, F401 - registers the kernel's generator
