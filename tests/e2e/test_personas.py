"""The personas walk through the application in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from conftest import KELURAHAN_KALI_ANYAR, PASSWORD
from tkpk.accounts.models import User

if TYPE_CHECKING:  # pytest imports this directory's conftest itself, as e2e.conftest
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
LOGIN_PATH = "/akun/masuk/"
FUNCTIONS = ("TKPK-01", "TKPK-02", "TKPK-03")


def url_of(live_server: Any, path: str) -> re.Pattern[str]:
    """The exact URL of a path on the live server (query string allowed)."""
    return re.compile(re.escape(live_server.url + path) + r"(\?.*)?$")


def log_in(page: Page, live_server: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(live_server.url + LOGIN_PATH)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_test_id("login-submit").click()


def log_in_to_home(page: Page, live_server: Any, user: User) -> None:
    log_in(page, live_server, user.username)
    expect(page).to_have_url(url_of(live_server, "/"))
    expect(page.get_by_test_id("nav-user")).to_contain_text(user.full_name)


def open_menu(page: Page, testid: str) -> Locator:
    """Click a navbar dropdown and return its (now shown) menu."""
    toggle = page.get_by_test_id(testid)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu = page.locator("li.dropdown", has=toggle).locator("ul.dropdown-menu")
    expect(menu).to_be_visible()
    return menu


def log_out(page: Page, live_server: Any) -> None:
    open_menu(page, "nav-user")
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(url_of(live_server, LOGIN_PATH))
    expect(page.get_by_test_id("login-submit")).to_be_visible()
    expect(page.get_by_test_id("nav-user")).to_have_count(0)


@pytest.mark.parametrize("persona", ["secretariat", "opd_operator", "kelurahan_verifier"])
def test_each_persona_logs_in_walks_every_menu_and_logs_out(
    persona: str,
    request: pytest.FixtureRequest,
    page: Page,
    live_server: Any,
    browser_errors: BrowserErrors,
) -> None:
    user: User = request.getfixturevalue(persona)

    log_in_to_home(page, live_server, user)
    expect(page.locator("h1")).to_have_text(f"Selamat datang, {user.full_name}")
    tree = page.get_by_test_id("process-tree")
    expect(tree).to_be_visible()
    for code in FUNCTIONS:
        expect(tree.locator(f'a[href="/proses/{code}/"]')).to_be_visible()

    for code in FUNCTIONS:
        menu = open_menu(page, f"nav-{code}")
        entry = menu.locator(f'a.dropdown-item[href^="/proses/{code}."]').first
        href = entry.get_attribute("href")
        assert href is not None
        child_code = href.strip("/").rsplit("/", 1)[-1]
        entry.click()
        expect(page).to_have_url(url_of(live_server, href))
        expect(page.locator(".breadcrumb-item.active")).to_have_text(child_code)
        expect(page.locator(".breadcrumb")).to_contain_text(code)
        expect(page.locator("h1")).not_to_be_empty()

    open_menu(page, "nav-reference").get_by_role("link", name="Wilayah", exact=True).click()
    expect(page).to_have_url(url_of(live_server, "/wilayah/"))
    expect(page.get_by_test_id("region-breadcrumb")).to_contain_text("Wilayah")
    expect(page.get_by_test_id("region-children").locator("tbody tr")).not_to_have_count(0)

    open_menu(page, "nav-reference").get_by_role("link", name="Organisasi", exact=True).click()
    expect(page).to_have_url(url_of(live_server, "/organisasi/"))
    expect(page.locator("h1")).to_have_text("Organisasi")
    organisations = page.get_by_test_id("organisation-table")
    expect(organisations.locator("tbody tr").first.get_by_role("link")).to_be_visible()
    page.get_by_role("searchbox").fill(user.organisation.name)
    expect(organisations.get_by_role("link", name=user.organisation.name)).to_be_visible()

    log_out(page, live_server)
    assert browser_errors.messages == []


def test_the_interface_is_indonesian_by_default_and_switches_to_english_and_back(
    opd_operator: User,
    browser: Browser,
    page: Page,
    live_server: Any,
    browser_errors: BrowserErrors,
) -> None:
    # A browser asking for a language the site does not offer also gets Indonesian.
    foreign = browser.new_context(locale="fr-FR")
    try:
        foreign_page = foreign.new_page()
        foreign_page.on("console", browser_errors.on_console)
        foreign_page.on("pageerror", browser_errors.on_page_error)
        foreign_page.goto(live_server.url + LOGIN_PATH)
        expect(foreign_page.locator("html")).to_have_attribute("lang", "id")
        expect(foreign_page.get_by_test_id("login-submit")).to_have_text("Masuk")
    finally:
        foreign.close()

    page.goto(live_server.url + LOGIN_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_test_id("login-submit")).to_have_text("Masuk")

    log_in_to_home(page, live_server, opd_operator)
    expect(page).to_have_title(re.compile(r"^Beranda · "))
    expect(page.get_by_test_id("logout")).to_have_text("Keluar")
    expect(page.get_by_test_id("switch-id")).to_have_count(0)

    page.get_by_test_id("switch-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(url_of(live_server, "/"))
    expect(page).to_have_title(re.compile(r"^Home · "))
    expect(page.get_by_test_id("logout")).to_have_text("Log out")
    expect(page.locator("h1")).to_have_text(f"Welcome, {opd_operator.full_name}")
    expect(page.get_by_test_id("switch-en")).to_have_count(0)

    page.get_by_test_id("switch-id").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page).to_have_title(re.compile(r"^Beranda · "))
    expect(page.get_by_test_id("logout")).to_have_text("Keluar")
    assert browser_errors.messages == []


def test_the_secretariat_opens_the_audit_log_from_the_administration_menu_and_finds_its_login(
    secretariat: User, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    log_in_to_home(page, live_server, secretariat)
    open_menu(page, "nav-admin").get_by_role("link", name="Log audit", exact=True).click()
    expect(page).to_have_url(url_of(live_server, "/audit/"))
    expect(page.locator("h1")).to_have_text("Log audit")
    login_rows = (
        page.get_by_test_id("audit-table")
        .locator("tbody tr")
        .filter(has=page.locator("code", has_text=re.compile(r"^auth\.login$")))
        .filter(has=page.get_by_role("cell", name=secretariat.username, exact=True))
    )
    expect(login_rows).to_have_count(1)
    assert browser_errors.messages == []


def test_an_opd_operator_has_no_administration_menu(
    opd_operator: User, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    log_in_to_home(page, live_server, opd_operator)
    expect(page.get_by_test_id("nav-TKPK-01")).to_be_visible()  # the menu did render
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    expect(page.locator('a[href="/audit/"]')).to_have_count(0)
    assert browser_errors.messages == []


def test_an_outsider_without_a_role_can_log_in_but_is_refused_the_home_page(
    outsider: User, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    log_in(page, live_server, outsider.username)
    expect(page).to_have_url(url_of(live_server, "/"))
    expect(page).to_have_title(re.compile(r"^Akses ditolak · "))
    expect(page.locator("h1")).to_have_text("Akses ditolak")
    expect(page.get_by_test_id("nav-user")).to_contain_text(outsider.full_name)
    expect(page.get_by_test_id("nav-TKPK-01")).to_have_count(0)
    expect(page.get_by_test_id("nav-reference")).to_have_count(0)
    # Chromium reports the refused document itself on the console: that one error is the
    # expected outcome here; anything else is not.
    home = live_server.url + "/"
    expected = (
        "console error: Failed to load resource: the server responded with a status of "
        f"403 (Forbidden) (at {home})"
    )
    assert browser_errors.messages == [expected]


def test_a_wrong_password_three_times_shows_the_error_and_keeps_the_username(
    opd_operator: User, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    page.goto(live_server.url + LOGIN_PATH)
    page.fill("#id_username", opd_operator.username)
    expect(page.get_by_test_id("login-error")).to_have_count(0)
    for attempt in range(3):
        # The username is typed once: the form keeps it, only the password is typed again.
        page.fill("#id_password", f"salah-{attempt}-{PASSWORD}")
        page.get_by_test_id("login-submit").click()
        expect(page).to_have_url(url_of(live_server, LOGIN_PATH))
        error = page.get_by_test_id("login-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text("sandi yang benar")  # wrong credentials, not "locked"
        expect(error).not_to_contain_text("dikunci")
        expect(page.locator("#id_username")).to_have_value(opd_operator.username)
        expect(page.locator("#id_password")).to_have_value("")
        expect(page.get_by_test_id("nav-user")).to_have_count(0)
    # Three failures stay below the lockout limit: the right password still works.
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(url_of(live_server, "/"))
    expect(page.get_by_test_id("nav-user")).to_contain_text(opd_operator.full_name)
    assert browser_errors.messages == []


def test_the_region_search_finds_kali_anyar_and_leads_to_its_page(
    kelurahan_verifier: User, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    log_in_to_home(page, live_server, kelurahan_verifier)
    page.goto(live_server.url + "/wilayah/")
    expect(page.get_by_test_id("region-results-table")).to_have_count(0)

    def is_search(response: Response) -> bool:
        url = urlsplit(response.url)
        return url.path == "/wilayah/31/" and parse_qs(url.query).get("q") == ["Kali Anyar"]

    with page.expect_response(is_search) as searched:
        page.get_by_test_id("region-search").press_sequentially("Kali Anyar", delay=20)
    assert searched.value.ok
    assert searched.value.request.headers.get("hx-request") == "true"
    assert searched.value.request.headers.get("hx-target") == "region-results"
    results = page.get_by_test_id("region-results-table")
    expect(results).to_be_visible()
    row = results.locator("tbody tr").filter(has_text=KELURAHAN_KALI_ANYAR)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tambora")

    row.get_by_role("link", name="Kali Anyar", exact=True).click()
    expect(page).to_have_url(url_of(live_server, f"/wilayah/{KELURAHAN_KALI_ANYAR}/"))
    expect(page.locator("h1")).to_contain_text("Kali Anyar")
    breadcrumb = page.get_by_test_id("region-breadcrumb")
    expect(breadcrumb).to_contain_text("Jakarta Barat")
    expect(breadcrumb).to_contain_text("Tambora")
    expect(breadcrumb.locator(".breadcrumb-item.active")).to_have_text("Kali Anyar")
    assert browser_errors.messages == []


def test_a_full_page_screenshot_of_the_secretariat_home_is_saved_as_an_artifact(
    secretariat: User, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    log_in_to_home(page, live_server, secretariat)
    expect(page.get_by_test_id("process-tree")).to_be_visible()
    page.evaluate("document.fonts.ready")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "home-secretariat.png"
    target.unlink(missing_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.is_file()
    assert target.stat().st_size > 10 * 1024
    assert browser_errors.messages == []
