"""What makes a database a benchmark database, shared by `generate_benchmark_data` and `bench/`.

Both refuse to run anywhere else: the database's name must contain "bench" (or be a disposable test
database, "test_…", which is how the tests of these tools run), and every tenant in it
must be a benchmark tenant (slug starting with "bench-"). A database holding the demo tenants or a real
company's data therefore can never be filled or driven by the benchmark tools, whatever its name.

The generated data set is recorded in `bench_dataset` (created outside the migrations, one row per
load), so the benchmark runner knows which profile and seed it is measuring.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

PROFILES = ("tiny", "small", "large")
TENANT_SLUG_PREFIX = "bench-"
MAIN_TENANT_SLUG = "bench-main"
EMAIL_DOMAIN = "bench.example"
# Every generated user has this password (hashed once, copied to every row).
PASSWORD = "bench-crm-2026"  # noqa: S105 - benchmark data only, refused outside a bench database
DATASET_TABLE = "bench_dataset"

# Users the benchmark logs in as, in the main tenant; the generator guarantees each exists.
BENCH_USERS = {
    "tenant_admin": f"admin@{EMAIL_DOMAIN}",
    "sales_director": f"director@{EMAIL_DOMAIN}",
    "sales_manager": f"manager.001@{EMAIL_DOMAIN}",
    "field_sales_rep": f"rep.001@{EMAIL_DOMAIN}",
    "finance": f"finance@{EMAIL_DOMAIN}",
}


@dataclass(frozen=True)
class Dataset:
    profile: str
    seed: int


def assert_benchmark_database(using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise CommandError unless `using` is a benchmark database (see the module docstring)."""
    connection = connections[using]
    name = str(connection.settings_dict.get("NAME") or "")
    if "bench" not in name and not name.startswith("test_"):
        raise CommandError(
            _(
                "Refusing to run: database %(name)s is not a benchmark database (its name must contain "
                "'bench', e.g. crm_bench). The benchmark tools never touch the demo or a real tenant."
            )
            % {"name": name or "?"}
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('crm_tenant') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # not migrated yet: nothing to protect
        cursor.execute(
            "SELECT slug FROM crm_tenant WHERE slug NOT LIKE %s ORDER BY slug LIMIT 3",
            [TENANT_SLUG_PREFIX.replace("_", r"\_") + "%"],
        )
        foreign = [row[0] for row in cursor.fetchall()]
    if foreign:
        raise CommandError(
            _(
                "Refusing to run: database %(name)s holds tenants that are not benchmark tenants "
                "(%(slugs)s). The benchmark tools never touch the demo or a real tenant."
            )
            % {"name": name, "slugs": ", ".join(foreign)}
        )


def loaded_dataset(using: str = DEFAULT_DB_ALIAS) -> Dataset | None:
    """The profile and seed of the last completed load, or None when nothing was generated."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [DATASET_TABLE])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT profile, seed FROM {DATASET_TABLE} ORDER BY finished_at DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    return Dataset(profile=row[0], seed=row[1]) if row else None
