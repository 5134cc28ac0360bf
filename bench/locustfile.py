"""Locust user for one scenario at a time, driven by `bench/load.py` (never imports Django: gevent).

The plan comes as JSON in the file named by BENCH_PLAN: the paths to cycle through, one logged-in session
per simulated user (or the API key), and where to write the measurements. Each simulated user requests
the paths in turn, redirects not followed: anything but a 200 is an error (an expired session shows
as 302 to the login page).
"""

from __future__ import annotations

import itertools
import json
import os
import time
from typing import Any

from locust import HttpUser, constant, events, task

PLAN: dict[str, Any] = json.loads(open(os.environ["BENCH_PLAN"], encoding="utf-8").read())  # noqa: SIM115
MEASURED = "measured"

samples: list[float] = []
queries: list[int] = []
errors: list[str] = []
window: dict[str, float] = {}
user_numbers = itertools.count()  # gevent: one thread, no lock needed


@events.request.add_listener
def record(
    request_type: str,
    name: str,
    response_time: float,
    response: Any,
    exception: BaseException | None,
    **_kwargs: Any,
) -> None:
    if name != MEASURED:
        return
    now = time.monotonic()
    window.setdefault("first", now - response_time / 1000)
    window["last"] = now
    if exception is not None:
        errors.append(str(exception)[:200])
        return
    samples.append(response_time)
    header = response.headers.get("X-Queries") if response is not None else None
    if header is not None and header.isdigit():
        queries.append(int(header))


@events.quitting.add_listener
def write_results(**_kwargs: Any) -> None:
    result = {
        "samples": samples,
        "queries": queries,
        "errors": errors,
        "seconds": window.get("last", 0.0) - window.get("first", 0.0),
    }
    with open(PLAN["output"], "w", encoding="utf-8") as output:
        json.dump(result, output)


class BenchUser(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.paths = itertools.cycle(PLAN["paths"])
        self.headers: dict[str, str] = {}
        if PLAN.get("api_key"):
            self.headers["Authorization"] = f"Bearer {PLAN['api_key']}"
        else:
            # A session of its own per simulated user (logged in by bench/sessions.py beforehand).
            self.client.cookies.set("sessionid", PLAN["sessions"][next(user_numbers) % len(PLAN["sessions"])])

    @task
    def request(self) -> None:
        path = next(self.paths)
        with self.client.get(
            path, headers=self.headers, name=MEASURED, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} for {path}")
