"""One locust run (headless, one process) of one scenario at one concurrency, and its measurements."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.database import BenchError

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
STOP_TIMEOUT = 60  # seconds


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50: float
    p95: float
    p99: float
    queries_min: int | None
    queries_max: int | None
    first_error: str = ""

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0 for no samples)."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def summarise(raw: dict[str, object]) -> LoadResult:
    samples = [float(value) for value in raw.get("samples", [])]  # type: ignore[attr-defined]
    queries = [int(value) for value in raw.get("queries", [])]  # type: ignore[attr-defined]
    errors = [str(value) for value in raw.get("errors", [])]  # type: ignore[attr-defined]
    return LoadResult(
        requests=len(samples),
        errors=len(errors),
        seconds=float(raw.get("seconds") or 0.0),  # type: ignore[arg-type]
        p50=statistics.median(samples) if samples else 0.0,
        p95=percentile(samples, 0.95),
        p99=percentile(samples, 0.99),
        queries_min=min(queries) if queries else None,
        queries_max=max(queries) if queries else None,
        first_error=errors[0] if errors else "",
    )


def run_load(
    *,
    host: str,
    paths: list[str],
    concurrency: int,
    duration: int,
    sessions: list[str] | None = None,
    api_key: str = "",
) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as folder:
        plan_file, output = Path(folder) / "plan.json", Path(folder) / "result.json"
        plan = {"paths": paths, "sessions": sessions or [], "api_key": api_key}
        plan_file.write_text(json.dumps({**plan, "output": str(output)}))
        command = [
            sys.executable,
            "-m",
            "locust",
            "--locustfile",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            host,
            "--users",
            str(concurrency),
            "--spawn-rate",
            str(concurrency),
            "--run-time",
            f"{duration}s",
            # Requests under way when the time is up are waited for (and counted) this long: a page
            # slower than the duration is measured, not lost.
            "--stop-timeout",
            str(STOP_TIMEOUT),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ]
        completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command,
            env={**os.environ, "BENCH_PLAN": str(plan_file)},
            capture_output=True,
            text=True,
            check=False,
        )
        if not output.exists():
            raise BenchError(f"locust failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")
        result = summarise(json.loads(output.read_text()))
    if result.requests == 0 and result.errors == 0:
        if completed.returncode != 0:
            raise BenchError(f"locust made no request:\n{completed.stderr[-3000:]}")
        # Requests were sent, and none answered in the duration plus STOP_TIMEOUT: each is an error.
        waited = duration + STOP_TIMEOUT
        return LoadResult(
            requests=0,
            errors=concurrency,
            seconds=float(waited),
            p50=0.0,
            p95=0.0,
            p99=0.0,
            queries_min=None,
            queries_max=None,
            first_error=f"no response within {waited} s",
        )
    return result
