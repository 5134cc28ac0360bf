"""The kanban in Chromium: an opportunity created from its account, dragged to a stage that needs a
field it lacks (the small form opens; once filled, the card moves), and moved on a 375 px phone with
the "move to" select, the columns scrolling sideways inside the board, not the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import World
from tests.e2e.pages import horizontal_overflow, log_in

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e-screenshots"


def column(page: Page, stage: str) -> Locator:
    """The column of a stage, by its heading (every card's select names every stage too)."""
    return page.locator(".kanban__column", has=page.locator("h2", has_text=stage))


def create_opportunity(page: Page, world: World, name: str) -> None:
    page.goto(f"{world.tenant_url}/accounts/{world.account_id}/")
    page.locator(f"a[href$='/opportunities/new/?account={world.account_id}']").click()
    page.locator("#id_name").fill(name)
    page.locator("#id_expected_close_date").fill("2027-06-30")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(name)


def test_drag_a_card_to_a_stage_that_asks_for_a_field_then_fill_it(page: Page, world: World) -> None:
    log_in(page, world.url, world.admin_email, world.password)
    create_opportunity(page, world, "Éclairage atelier")
    page.locator(".page-header .list__meta a").nth(1).click()  # the pipeline: its kanban
    page.wait_for_load_state()  # kanban.js (deferred) listens from here on
    card = page.locator(".kanban__card", has_text="Éclairage atelier")
    qualification = column(page, "Qualification")

    # Held by its account line (the link and the select have their own mouse behaviour).
    card.locator(".list__meta").first.drag_to(qualification.locator(".kanban__cards"))

    dialog = page.locator("#board-dialog dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("select[name=primary_contact]")).to_be_visible()
    expect(dialog.locator("input:not([type=hidden]), select")).to_have_count(1)  # exactly the missing field
    dialog.locator("select[name=primary_contact]").select_option(label="Camille Martin")
    dialog.locator("button[type=submit]").click()
    expect(qualification.locator(".kanban__card", has_text="Éclairage atelier")).to_be_visible()
    expect(page.locator("#board-dialog [role=status]")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "kanban-desktop.png"), full_page=True)


def test_move_with_the_select_on_a_phone(phone: Page, world: World) -> None:
    log_in(phone, world.url, world.admin_email, world.password)
    create_opportunity(phone, world, "Audit énergétique")
    phone.goto(f"{world.tenant_url}/opportunities/board/")
    phone.wait_for_load_state()

    assert horizontal_overflow(phone) == 0
    card = phone.locator(".kanban__card", has_text="Audit énergétique")
    card.locator("select[name=stage]").select_option(label="Abandonnée")
    card.locator("button[type=submit]").click()

    abandoned = column(phone, "Abandonnée")
    expect(abandoned.locator(".kanban__card", has_text="Audit énergétique")).to_have_count(1)
    assert horizontal_overflow(phone) == 0
    phone.screenshot(path=str(SCREENSHOTS / "kanban-phone.png"), full_page=True)
