"""What the journeys do again and again, through the page as a person would."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def log_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/t/[^/]+/$"))


def switch_language(page: Page, code: str) -> None:
    page.locator(f".lang-switch button[value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def log_out(page: Page) -> None:
    page.locator("details.menu--user summary").click()
    page.locator("details.menu--user form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def search(page: Page, words: str) -> None:
    box = page.locator("#topbar-q")
    box.fill(words)
    box.press("Enter")
    page.wait_for_load_state()
