"""Browser journeys: Playwright for Python driving Debian's Chromium against a real server.

The server is pytest-django's `LiveServer` (a threaded WSGI server on the test database, the same
PostgreSQL with row-level security), started once for the package; the data it serves is committed
once for the package too (a tenant of its own, removed afterwards), so that no test needs the slow
`transactional_db` flush. Imports run on a real Celery worker, started the way tests/crm/test_jobs.py
starts it.

A failing journey saves a screenshot of its page under var/e2e-screenshots/ and names the file in
the failure report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.database import owner_connection

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = (
    "Chromium is missing: apt-get install -y chromium (Debian) — the e2e journeys need /usr/bin/chromium"
)
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e-screenshots"
TENANT_SLUG = "lumiere"
PHONE = {"width": 375, "height": 740}


def chromium_executable(path: Path = CHROMIUM) -> str:
    """The browser the journeys drive; fails (never skips) with how to install it."""
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(CHROMIUM_MISSING, pytrace=False)
    return str(path)


# The data -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    url: str  # the server's root, without a trailing slash
    tenant_url: str  # /t/<slug>, absolute
    admin_email: str
    rep_email: str
    password: str
    account_id: int
    contact_id: int


def purge_tenant(slug: str) -> None:
    """Remove a committed tenant, every row of it and its members' users, in one transaction.

    Runs as the owner role with the tenant set (the tables force row-level security); Django's
    foreign keys are deferred, so the order of the deletes does not matter: they are checked at
    commit, which fails loudly if a row still points at what was removed."""
    with owner_connection() as connection, connection.transaction(), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM crm_tenant WHERE slug = %s", [slug])
        row = cursor.fetchone()
        if row is None:
            return
        tenant_id = row[0]
        cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
        cursor.execute("SELECT user_id FROM crm_membership WHERE tenant_id = %s", [tenant_id])
        users = [user_id for (user_id,) in cursor.fetchall()]
        cursor.execute(
            "SELECT table_name FROM information_schema.columns c JOIN information_schema.tables t"
            " USING (table_schema, table_name)"
            " WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id'"
            " AND t.table_type = 'BASE TABLE'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'DELETE FROM "{table}" WHERE tenant_id = %s', [tenant_id])  # noqa: S608
        # Rows outside any tenant that point at the users (sessions aside, they are not foreign keys).
        cursor.execute(
            "SELECT cl.relname, a.attname FROM pg_constraint co"
            " JOIN pg_class cl ON cl.oid = co.conrelid"
            " JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]"
            " WHERE co.contype = 'f' AND co.confrelid = 'crm_user'::regclass"
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" = ANY(%s)', [users])  # noqa: S608
        cursor.execute("DELETE FROM crm_user WHERE id = ANY(%s)", [users])
        cursor.execute("DELETE FROM crm_tenant WHERE id = %s", [tenant_id])


def build_world(url: str) -> World:
    from accounts.models import Account, Contact
    from crm.models import Tenant
    from crm.roles import Role
    from crm.tenancy import tenant_scope
    from governance import search
    from tests.factories import PASSWORD, MembershipFactory

    tenant = Tenant.objects.create(name="Lumière Énergie", slug=TENANT_SLUG)
    with tenant_scope(tenant):
        admin = MembershipFactory(
            tenant=tenant,
            role=Role.TENANT_ADMIN,
            user__email="claire.admin@lumiere.example",
            user__full_name="Claire Fontaine",
        )
        rep = MembershipFactory(
            tenant=tenant,
            role=Role.FIELD_SALES_REP,
            user__email="hugo.terrain@lumiere.example",
            user__full_name="Hugo Terrain",
        )
        account = Account.objects.create(
            tenant=tenant,
            legal_name="Atelier Héliotrope",
            siret="73282932000074",
            owner=rep.user,
            account_type=Account.Type.CUSTOMER,
        )
        contact = Contact.objects.create(
            tenant=tenant,
            account=account,
            owner=rep.user,
            first_name="Camille",
            last_name="Martin",
            email="camille.martin@heliotrope.example",
        )
        search.index_many([account, contact])  # as the services do after each write
    return World(
        url=url,
        tenant_url=f"{url}/t/{TENANT_SLUG}",
        admin_email=admin.user.email,
        rep_email=rep.user.email,
        password=PASSWORD,
        account_id=account.pk,
        contact_id=contact.pk,
    )


@pytest.fixture(scope="package")
def e2e_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveServer]:
    """The server answers from its own threads and connections: the database stays open to them
    while the package runs (pytest-django's block is process-wide)."""
    with django_db_blocker.unblock():
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()


@pytest.fixture(scope="package")
def world(e2e_server: LiveServer) -> Iterator[World]:
    purge_tenant(TENANT_SLUG)  # a run stopped half-way (with --reuse-db) may have left it
    built = build_world(e2e_server.url)
    try:
        yield built
    finally:
        purge_tenant(TENANT_SLUG)


@pytest.fixture(scope="package")
def e2e_worker(django_db_setup: None) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker (as in tests/accounts/test_imports.py) for the import journey."""
    from crm.celery import app
    from tests.crm.test_jobs import worker_environment

    command = [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo", "--loglevel=WARNING"]
    command += ["--without-heartbeat", "--include=accounts.imports.tasks"]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=worker_environment())
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker for the import journey did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


# The browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser(world: World) -> Iterator[Browser]:
    """Started after the data (Playwright's event loop would make Django refuse ORM calls)."""
    executable = chromium_executable()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _context(browser: Browser, **options: Any) -> Iterator[BrowserContext]:
    context = browser.new_context(locale="fr-FR", accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_context(browser: Browser) -> Iterator[BrowserContext]:
    yield from _context(browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def phone(phone_context: BrowserContext) -> Page:
    return phone_context.new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    for name in ("page", "phone"):
        page = funcargs.get(name)
        if page is None or page.is_closed():
            continue
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{item.name}-{name}.png".replace("/", "_")
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as error:  # the page may have crashed: say so, keep the test's own failure
            report.sections.append(("e2e screenshot", f"no screenshot of {name}: {error}"))
        else:
            report.sections.append(("e2e screenshot", f"{name} at {page.url} saved to {path}"))
