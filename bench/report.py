"""The results table (terminal and Markdown), the targets of issue 4, and the machine's description."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.base import JobResult
from bench.load import LoadResult

# Issue 4, section 2: at `large` on 2 cores.
LATENCY_TARGETS_MS = {"list": 100.0, "detail": 100.0, "search": 150.0}  # p95 at concurrency 1
RATIO_TARGET = 2.0
IMPORT_TARGET_ROWS_PER_SECOND = 20_000.0


@dataclass(frozen=True)
class Row:
    scenario: str
    target: str
    concurrency: int
    load: LoadResult
    sql_floor_ms: float
    framework_floor_ms: float

    @property
    def ratio(self) -> float:
        floor = self.sql_floor_ms + self.framework_floor_ms
        return self.load.p50 / floor if floor > 0 else 0.0

    def missed(self) -> list[str]:
        """The targets this row misses (latency targets apply at concurrency 1)."""
        missed = []
        limit = LATENCY_TARGETS_MS.get(self.target)
        if limit is not None and self.concurrency == 1 and self.load.p95 > limit:
            missed.append(f"p95 > {limit:.0f} ms")
        if self.ratio > RATIO_TARGET:
            missed.append(f"ratio > {RATIO_TARGET:g}")
        if self.load.errors:
            missed.append("errors")
        return missed


@dataclass
class Report:
    profile: str
    rows: list[Row] = field(default_factory=list)
    jobs: dict[str, JobResult] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # scenarios that could not run, with the reason
    machine: dict[str, str] = field(default_factory=dict)
    duration: int = 0

    @property
    def errors(self) -> int:
        return sum(row.load.errors for row in self.rows)


HEADERS = (
    "scenario",
    "c",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "req/s",
    "errors",
    "queries",
    "SQL floor ms",
    "framework floor ms",
    "ratio",
    "target met?",
)


def _queries(load: LoadResult) -> str:
    if load.queries_min is None:
        return "?"
    if load.queries_min == load.queries_max:
        return str(load.queries_min)
    return f"{load.queries_min}-{load.queries_max}"


def table_rows(report: Report) -> list[tuple[str, ...]]:
    return [
        (
            row.scenario,
            str(row.concurrency),
            f"{row.load.p50:.1f}",
            f"{row.load.p95:.1f}",
            f"{row.load.p99:.1f}",
            f"{row.load.throughput:.1f}",
            str(row.load.errors),
            _queries(row.load),
            f"{row.sql_floor_ms:.2f}",
            f"{row.framework_floor_ms:.1f}",
            f"{row.ratio:.1f}",
            "yes" if not row.missed() else "no: " + ", ".join(row.missed()),
        )
        for row in report.rows
    ]


def text_table(report: Report) -> str:
    rows = [HEADERS, *table_rows(report)]
    widths = [max(len(row[index]) for row in rows) for index in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.extend(f"{name}: {_job_line(name, job)}" for name, job in report.jobs.items())
    lines.extend(f"FAILED {failure}" for failure in report.failures)
    lines.extend(f"SKIPPED {skipped}" for skipped in report.skipped)
    return "\n".join(lines)


def _job_line(name: str, job: JobResult) -> str:
    if name == "import":
        met = "met" if job.rows_per_second >= IMPORT_TARGET_ROWS_PER_SECOND else "missed"
        return (
            f"{job.rows:,} rows in {job.seconds:.1f} s = {job.rows_per_second:,.0f} rows/s "
            f"(target ≥ {IMPORT_TARGET_ROWS_PER_SECOND:,.0f}: {met}); {job.detail}"
        )
    return f"{job.rows:,} accounts scanned in {job.seconds:.2f} s; {job.detail}"


def markdown(report: Report) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cells) + " |"

    machine = "\n".join(f"- {key}: {value}" for key, value in report.machine.items())
    table = "\n".join(
        [line(HEADERS), line(tuple("---" for _ in HEADERS)), *(line(row) for row in table_rows(report))]
    )
    jobs = (
        "\n".join(
            [
                *(f"- {name}: {_job_line(name, job)}" for name, job in report.jobs.items()),
                *(f"- FAILED {failure}" for failure in report.failures),
                *(f"- SKIPPED {skipped}" for skipped in report.skipped),
            ]
        )
        or "- (not run)"
    )
    missed = [
        f"{row.scenario} at c={row.concurrency}: {', '.join(row.missed())}"
        for row in report.rows
        if row.missed()
    ]
    targets = "\n".join(
        [
            f"- list and detail p95 ≤ {LATENCY_TARGETS_MS['list']:.0f} ms at concurrency 1",
            f"- search p95 ≤ {LATENCY_TARGETS_MS['search']:.0f} ms at concurrency 1",
            f"- ratio app p50 ÷ (SQL floor + framework floor) ≤ {RATIO_TARGET:g}",
            f"- import ≥ {IMPORT_TARGET_ROWS_PER_SECOND:,.0f} rows/s",
            "- query count per page constant in the number of rows (compare `queries` across profiles)",
        ]
    )
    verdict = "\n".join(f"- missed: {item}" for item in missed) or "- every HTTP target met"
    return f"""# Benchmark, profile `{report.profile}`

Produced by `./dev bench --profile {report.profile}` ({report.duration} s per scenario and concurrency).
Latencies are measured by the load generator (locust) on the same machine, so it shares the cores.
`queries` is the X-Queries header (SQL statements per request, min-max over the run). The SQL floor is
the median EXPLAIN ANALYZE execution time of the hand-written statement (bench/scenarios.py); the
framework floor is the p50 of a trivial logged-in tenant page at the same concurrency.

## Machine

{machine}

## Results

{table}

## Jobs

{jobs}

## Targets (issue 4, at `large` on 2 cores)

{targets}

{verdict}
"""


def write(report: Report, folder: Path, date: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{date}-{report.profile}.md"
    path.write_text(markdown(report), encoding="utf-8")
    return path


# The machine ---------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return commit + (" (with uncommitted changes)" if dirty else "")


def machine_description(
    *, postgres: dict[str, str], dataset: str, server: str, versions: dict[str, str]
) -> dict[str, str]:
    return {
        "CPU": f"{_cpu_model()}, {os.cpu_count()} cores",
        "RAM": _memory(),
        "OS": platform.platform(),
        "PostgreSQL": ", ".join(f"{key} {value}" for key, value in postgres.items()),
        **versions,
        "server": server,
        "git commit": _git_commit(),
        "data set": dataset,
    }
