"""The SQL floor: a scenario's hand-written statements, timed by PostgreSQL itself.

Each statement runs as the application role inside `tenant_scope` (which sets app.tenant_id and
app.user_id as the pages do, so row-level security applies), under EXPLAIN (ANALYZE, FORMAT JSON). The
floor of one run is the sum of its statements' Execution Time; the scenario's floor is the median over
RUNS runs, the statements taken in turn when the scenario has several (one per sampled account).
"""

from __future__ import annotations

import json
import statistics

from django.db import connection

from bench.base import Statement
from crm.models import Tenant
from crm.tenancy import tenant_scope

RUNS = 10


def execution_ms(statement: Statement) -> float:
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Execution Time"])


def sql_floor_ms(tenant: Tenant, statements: list[Statement], *, runs: int = RUNS) -> float:
    """Median Execution Time (ms) of the statements, as the application role in the tenant's scope."""
    if not statements:
        raise ValueError("a scenario without floor statements")
    timings = []
    with tenant_scope(tenant):
        execution_ms(statements[0])  # warm the cache and the plan, as the page's own first request does
        for run in range(runs):
            timings.append(execution_ms(statements[run % len(statements)]))
    return statistics.median(timings)
