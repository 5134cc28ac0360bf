"""Browser journeys in Chromium: what a salesperson and an administrator do on a normal day, on a
desktop screen and on a 375 px phone, through the real server, database and worker."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CHROMIUM_MISSING, World, chromium_executable
from tests.e2e.pages import horizontal_overflow, log_in, log_out, search, switch_language

pytestmark = pytest.mark.e2e

SAMPLE = Path(settings.BASE_DIR) / "docs" / "samples" / "comptes-export-excel.csv"


def test_a_missing_chromium_says_how_to_install_it(tmp_path) -> None:
    with pytest.raises(pytest.fail.Exception) as failure:
        chromium_executable(tmp_path / "chromium")

    assert str(failure.value) == CHROMIUM_MISSING
    assert "apt-get install -y chromium" in CHROMIUM_MISSING


def test_log_in_switch_between_french_and_english_and_log_out(page: Page, world: World) -> None:
    page.goto(f"{world.url}/login/")
    expect(page.locator("h1")).to_have_text("Se connecter")

    switch_language(page, "en")
    expect(page.locator("h1")).to_have_text("Log in")
    page.locator("#id_username").fill(world.admin_email)
    page.locator("#id_password").fill("not the password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=alert]")).to_contain_text("email")

    log_in(page, world.url, world.admin_email, world.password)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".menu--nav nav")).to_contain_text("Accounts")

    switch_language(page, "fr")
    expect(page).to_have_url(f"{world.tenant_url}/")  # the language changes, the page stays
    expect(page.locator(".menu--nav nav")).to_contain_text("Comptes")

    log_out(page)
    page.goto(f"{world.tenant_url}/accounts/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))


def test_create_an_account_with_a_wrong_siret_fix_it_and_add_a_contact(page: Page, world: World) -> None:
    log_in(page, world.url, world.admin_email, world.password)
    switch_language(page, "en")
    page.goto(f"{world.tenant_url}/accounts/new/")
    page.locator("#id_legal_name").fill("Verrerie Sainte-Claire")
    page.locator("#id_siret").fill("443 061 841 00014")  # the last digit is wrong
    page.locator("main form button[type=submit].button--primary").click()

    error = page.locator("#id_siret_error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("SIRET")
    expect(page.locator("#id_siret")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_legal_name")).to_have_value("Verrerie Sainte-Claire")  # nothing typed is lost

    page.locator("#id_siret").fill("443 061 841 00013")
    page.locator("main form button[type=submit].button--primary").click()

    expect(page).to_have_url(re.compile(r"/accounts/\d+/$"))
    expect(page.locator("h1")).to_contain_text("Verrerie Sainte-Claire")
    expect(page.locator(".messages")).to_contain_text("The account was created.")
    expect(page.locator("main")).to_contain_text("443 061 841 00013")

    page.get_by_role("link", name="Add contact").first.click()
    expect(page.locator("#id_account option:checked")).to_have_text("Verrerie Sainte-Claire")
    page.locator("#id_first_name").fill("Éloïse")
    page.locator("#id_last_name").fill("Vitrail")
    page.locator("#id_email").fill("eloise.vitrail@verrerie.example")
    page.locator("main form button[type=submit].button--primary").click()

    expect(page).to_have_url(re.compile(r"/accounts/contacts/\d+/$"))
    expect(page.locator("h1")).to_contain_text("Éloïse Vitrail")
    expect(page.locator("main")).to_contain_text("Verrerie Sainte-Claire")


def test_a_contact_that_looks_like_an_existing_one_meets_the_duplicate_warning(
    page: Page, world: World
) -> None:
    log_in(page, world.url, world.rep_email, world.password)
    switch_language(page, "en")
    page.goto(f"{world.tenant_url}/accounts/contacts/new/?account={world.account_id}")
    page.locator("#id_first_name").fill("Camile")
    page.locator("#id_last_name").fill("Martin")
    page.locator("#id_email").fill("Camille.Martin@heliotrope.example")
    page.locator("main form button[type=submit].button--primary").click()

    warning = page.locator("section[aria-labelledby=form-duplicates]")
    expect(warning).to_be_visible()
    expect(warning.locator("h2")).to_have_text("This person may already be in the CRM")
    expect(warning.get_by_role("link", name="Camille Martin")).to_have_attribute(
        "href", f"/t/lumiere/accounts/contacts/{world.contact_id}/"
    )
    expect(page.locator("#id_duplicate_reason_error")).to_be_visible()
    expect(page.locator("#id_first_name")).to_have_value("Camile")  # what was typed is kept

    # Nothing was written yet; with a reason, the person is created after all.
    page.locator("#id_duplicate_reason").fill("Her cousin, who shares the mailbox")
    page.locator("main form button[type=submit].button--primary").click()
    expect(page).to_have_url(re.compile(r"/accounts/contacts/\d+/$"))
    assert not page.url.endswith(f"/contacts/{world.contact_id}/")
    expect(page.locator("h1")).to_contain_text("Camile Martin")


def test_import_a_csv_with_errors_and_download_the_rejected_rows(
    page: Page, world: World, e2e_worker
) -> None:
    log_in(page, world.url, world.admin_email, world.password)
    switch_language(page, "en")
    page.goto(f"{world.tenant_url}/imports/new/")
    page.locator("#id_file").set_input_files(str(SAMPLE))
    page.locator("main form button[type=submit]").click()

    expect(page.locator("h1")).to_have_text("Map the columns")
    expect(page.locator("main")).to_contain_text("12 rows to import.")
    page.get_by_role("button", name="Check the file").click()
    report = page.locator("section[aria-labelledby=dry-run]")
    expect(report).to_contain_text(re.compile(r"Rows that will be rejected\s*6"))
    expect(report.locator("table")).to_contain_text("The SIRET 123 456 789 01234 has a wrong check digit.")

    page.get_by_role("button", name="Start the import").click()
    download_link = page.get_by_role("link", name="Download rejected rows (CSV)")
    expect(download_link).to_be_visible(timeout=90_000)  # the worker runs it; the page polls
    expect(page.locator("#import-progress")).to_contain_text(re.compile(r"Accounts created\s*6"))

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(text), delimiter=";")
    rejects = {row["Raison sociale"]: row["Reason"] for row in rows}
    assert set(rejects) == {
        "Transports Rapides du Centre",
        "Boulangerie du Vieux Port",
        "Pharmacie des Tilleuls",
        "Hôtel Beau Rivage",
        "",
        "Menuiserie Bernard et Fils (doublon)",
    }
    assert "SIRET" in rejects["Transports Rapides du Centre"]


def test_global_search_finds_accounts_and_contacts_without_accents(page: Page, world: World) -> None:
    log_in(page, world.url, world.rep_email, world.password)
    switch_language(page, "en")

    search(page, "heliotrope")

    results = page.locator("main")
    expect(page).to_have_url(re.compile(r"/search/\?q=heliotrope"))
    expect(results.get_by_role("link", name="Atelier Héliotrope")).to_have_attribute(
        "href", f"/t/lumiere/accounts/{world.account_id}/"
    )
    results.get_by_role("link", name="Atelier Héliotrope").click()
    expect(page.locator("h1")).to_contain_text("Atelier Héliotrope")

    search(page, "camille martin")
    page.locator("main").get_by_role("link", name="Camille Martin").click()
    expect(page).to_have_url(f"{world.tenant_url}/accounts/contacts/{world.contact_id}/")


def test_the_same_day_on_a_375_px_phone(phone: Page, world: World) -> None:
    page = phone
    page.goto(f"{world.url}/login/")
    assert horizontal_overflow(page) == 0
    log_in(page, world.url, world.rep_email, world.password)
    switch_language(page, "en")
    assert horizontal_overflow(page) == 0

    # The navigation folds into a menu: closed first, then open on a tap.
    nav = page.locator(".menu--nav nav")
    expect(nav).to_be_hidden()
    page.locator(".menu--nav summary").tap()
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Accounts").tap()
    expect(page).to_have_url(f"{world.tenant_url}/accounts/")
    expect(page.locator("main")).to_contain_text("Atelier Héliotrope")
    assert horizontal_overflow(page) == 0

    page.locator("main").get_by_role("link", name="Atelier Héliotrope").first.tap()
    expect(page.locator("h1")).to_contain_text("Atelier Héliotrope")
    assert horizontal_overflow(page) == 0

    page.goto(f"{world.tenant_url}/accounts/new/")
    page.locator("#id_legal_name").fill("Fromagerie du Jura")
    page.locator("#id_siret").fill("552 081 317 00001")
    page.locator("main form button[type=submit].button--primary").tap()
    expect(page.locator("#id_siret_error")).to_be_visible()
    assert horizontal_overflow(page) == 0
    page.locator("#id_siret").fill("552 081 317 00018")
    page.locator("main form button[type=submit].button--primary").tap()
    expect(page.locator("h1")).to_contain_text("Fromagerie du Jura")

    search(page, "camille")
    expect(page.locator("main").get_by_role("link", name="Camille Martin")).to_be_visible()
    assert horizontal_overflow(page) == 0

    log_out(page)
