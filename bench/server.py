"""The CRM under gunicorn, as in production, for the length of a run.

Two gthread workers of four threads each: one worker per core (the benchmark machine has two), and
threads so that a worker keeps its core busy while a request waits on PostgreSQL. The worker count is
the `--workers` a deployment on two cores would choose; the report states it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from bench.database import BASE_DIR, BenchError, manage

WORKERS = 2
THREADS = 4
WORKER_CLASS = "gthread"
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Server:
    url: str

    @property
    def description(self) -> str:
        return f"gunicorn, {WORKERS} {WORKER_CLASS} workers x {THREADS} threads"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with code {process.returncode} before answering /healthz")
        with (
            suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(f"{url}/healthz", timeout=3) as response,  # noqa: S310 - local
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    raise BenchError(f"gunicorn did not answer {url}/healthz within {STARTUP_TIMEOUT:.0f} s")


@contextmanager
def running_server(env: dict[str, str]) -> Iterator[Server]:
    """Collect the static files into a temporary folder, start gunicorn, yield; stop it whatever happens."""
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        server_env = {
            **env,
            "CRM_BENCHMARK": "1",
            "STATIC_ROOT": static_root,
            # As a deployment would: persistent connections (the tenant settings are transaction-local),
            # and no API rate limit in the way of the load generator.
            "CONN_MAX_AGE": env.get("CONN_MAX_AGE", "60"),
            "API_RATE_PER_KEY": "100000000/min",
            "LOG_LEVEL": "WARNING",
        }
        manage(server_env, "collectstatic", "--noinput", "--verbosity", "0")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "crm.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={WORKERS}",
                f"--worker-class={WORKER_CLASS}",
                f"--threads={THREADS}",
                "--log-level=warning",
            ],
            cwd=BASE_DIR,
            env=server_env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_until_healthy(url, process)
            print(f"[bench] gunicorn is up on {url} (pid {process.pid})", flush=True)
            yield Server(url=url)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    print("[bench] gunicorn stopped", flush=True)
