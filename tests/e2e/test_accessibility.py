"""Accessibility: axe-core (vendored under tests/e2e/vendor, never served to users) run by Chromium on
the main pages (login, home, lists, details, forms with and without errors, import, search), on a
desktop screen in French and on a 375 px phone in English: no serious or critical violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import PHONE, World
from tests.e2e.pages import log_in, switch_language

pytestmark = pytest.mark.e2e

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
SAMPLE = Path(settings.BASE_DIR) / "docs" / "samples" / "comptes-export-excel.csv"
BLOCKING = {"serious", "critical"}

# Each page as a person reaches it: a path under the tenant (or the site root for the login page).
PAGES = {
    "home": "/",
    "account list": "/accounts/",
    "account detail": "/accounts/{account_id}/",
    "account form": "/accounts/new/",
    "account edit": "/accounts/{account_id}/edit/",
    "contact list": "/accounts/contacts/",
    "contact detail": "/accounts/contacts/{contact_id}/",
    "contact form": "/accounts/contacts/new/",
    "search": "/search/?q=heliotrope",
    "duplicates": "/duplicates/",
    "import list": "/imports/",
    "import form": "/imports/new/",
    "lead list": "/leads/",
    "lead form": "/leads/new/",
    "opportunity list": "/opportunities/",
    "opportunity form": "/opportunities/new/",
    "kanban": "/opportunities/board/",
    "quote list": "/quotes/",
    "product catalogue": "/quotes/products/",
}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical violations of the WCAG 2.x A/AA rules and axe's best practices."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})",
    )
    return [violation for violation in results["violations"] if violation["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(node['target'])}: {summary}")
    return "\n".join(lines)


# Each screen in one language (the other language on the other screen): every page is checked twice
# without doubling the run. The login page is checked in both languages below.
SCREENS = {"desktop-fr": ("fr", None), "phone-en": ("en", PHONE)}


@pytest.fixture(scope="module", params=list(SCREENS))
def signed_in(request: pytest.FixtureRequest, browser: Browser, world: World) -> Iterator[BrowserContext]:
    """A logged-in administrator per screen; the CSP is bypassed only so that axe can be injected."""
    language, phone = SCREENS[request.param]
    screen: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
    if phone:
        screen = {"viewport": phone, "is_mobile": True, "has_touch": True}
    context = browser.new_context(locale="fr-FR", bypass_csp=True, **screen)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, world.url, world.admin_email, world.password)
    if language != "fr":
        switch_language(page, language)
    page.close()
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(signed_in: BrowserContext) -> Iterator[Page]:
    page = signed_in.new_page()
    yield page
    page.close()


def test_the_vendored_axe_is_the_pinned_version_and_finds_what_it_should(browser: Browser) -> None:
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{AXE_VERSION}\n")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html lang="fr"><title>t</title><main><img src="a.png"><button></button></main></html>'
        )
        found = {violation["id"] for violation in axe_violations(page)}
    finally:
        context.close()

    assert found == {"image-alt", "button-name"}


@pytest.mark.parametrize("name", list(PAGES))
def test_main_pages_have_no_serious_accessibility_violation(page: Page, world: World, name: str) -> None:
    path = PAGES[name].format(account_id=world.account_id, contact_id=world.contact_id)
    page.goto(f"{world.tenant_url}{path}")
    expect(page.locator("main h1")).to_be_visible()

    violations = axe_violations(page)

    assert not violations, f"{name} ({page.url}):\n{describe(violations)}"


def test_forms_with_errors_have_no_serious_accessibility_violation(page: Page, world: World) -> None:
    page.goto(f"{world.tenant_url}/accounts/new/")
    page.locator("#id_siret").fill("443 061 841 00014")
    page.locator("main form button[type=submit].button--primary").click()
    expect(page.locator("#id_legal_name_error")).to_be_visible()
    violations = axe_violations(page)
    page.goto(f"{world.tenant_url}/accounts/contacts/new/?account={world.account_id}")
    page.locator("#id_first_name").fill("Camille")
    page.locator("#id_last_name").fill("Martin")
    page.locator("#id_email").fill("camille.martin@heliotrope.example")
    page.locator("main form button[type=submit].button--primary").click()
    expect(page.locator("section[aria-labelledby=form-duplicates]")).to_be_visible()
    violations += axe_violations(page)

    assert not violations, describe(violations)


def test_the_import_check_has_no_serious_accessibility_violation(page: Page, world: World) -> None:
    page.goto(f"{world.tenant_url}/imports/new/")
    page.locator("#id_file").set_input_files(str(SAMPLE))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_file")).to_have_count(0)
    violations = axe_violations(page)  # the column mapping
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("section[aria-labelledby=dry-run] table")).to_be_visible()
    violations += axe_violations(page)  # the check, with the rejected rows

    assert not violations, describe(violations)


def test_the_login_page_has_no_serious_accessibility_violation(browser: Browser, world: World) -> None:
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{world.url}/login/")
        violations = axe_violations(page)
        page.locator("#id_username").fill("nobody@lumiere.example")
        page.locator("#id_password").fill("not a password")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("main [role=alert]")).to_be_visible()
        violations += axe_violations(page)
        switch_language(page, "en")
        expect(page).to_have_url(re.compile(r"/login/"))
        violations += axe_violations(page)
    finally:
        context.close()

    assert not violations, describe(violations)
