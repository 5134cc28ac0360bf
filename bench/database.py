"""Which database the benchmark uses, and getting it ready: created, migrated, filled.

BENCH_DATABASE_URL / BENCH_DATABASE_OWNER_URL when set; otherwise DATABASE_URL / DATABASE_OWNER_URL with
the database name replaced by `crm_bench_<profile>`, so that a run never lands on the development or
demo database by default. `crm.benchmark.assert_benchmark_database()` has the last word either way.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent


class BenchError(Exception):
    """A refusal or failure to report in one line, without a traceback."""


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def database_urls(env: dict[str, str], profile: str) -> tuple[str, str]:
    """(application role URL, owner URL) of the benchmark database of `profile`."""
    if env.get("BENCH_DATABASE_URL"):
        if not env.get("BENCH_DATABASE_OWNER_URL"):
            raise BenchError("BENCH_DATABASE_URL is set but BENCH_DATABASE_OWNER_URL is not: set both.")
        return env["BENCH_DATABASE_URL"], env["BENCH_DATABASE_OWNER_URL"]
    if not env.get("DATABASE_URL") or not env.get("DATABASE_OWNER_URL"):
        raise BenchError(
            "Set DATABASE_URL and DATABASE_OWNER_URL (their server and roles are used, with the database "
            "crm_bench_<profile>), or BENCH_DATABASE_URL and BENCH_DATABASE_OWNER_URL."
        )
    name = f"crm_bench_{profile}"
    return with_database(env["DATABASE_URL"], name), with_database(env["DATABASE_OWNER_URL"], name)


def create_database(owner_url: str) -> None:
    """CREATE DATABASE as the owner role (it has CREATEDB), connected to the maintenance database."""
    import environ
    import psycopg
    from psycopg import sql

    from crm.devtools import connect_kwargs

    config = environ.Env.db_url_config(owner_url)
    with psycopg.connect(**connect_kwargs({**config, "NAME": "postgres"}), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"[bench] created database {config['NAME']}", flush=True)


def manage(env: dict[str, str], *args: str) -> None:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"`manage.py {' '.join(args)}` failed with exit code {completed.returncode}")


def bench_environment(app_url: str, owner_url: str) -> dict[str, str]:
    """The environment of every Django process of the run (this one's children, gunicorn)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app_url,
        DATABASE_OWNER_URL=owner_url,
        DJANGO_SETTINGS_MODULE="crm.settings.bench",
    )
    env.pop("CRM_APP_DB_ROLE", None)
    # Production settings require a secret key; `./dev bench` passes the checkout's, `python -m bench`
    # alone gets one for the run (shared by gunicorn's workers through the environment).
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    redis = env.get("REDIS_URL") or env.get("TEST_REDIS_URL") or ""
    if redis:
        env["REDIS_URL"] = redis
    return env
