"""Planning in a real browser: write a chapter with the rich-text editor, edit a matrix row."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_personas import log_in_to_home
from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.models import Plan, PlanKind

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_a_drafter_writes_a_chapter_with_bold_text_a_list_and_a_table(
    page: Page, live_server: Any, reference: None, browser_errors: BrowserErrors
) -> None:
    demo_plans_load()
    rat = Plan.objects.get(kind=PlanKind.RAT, year_start=2027)
    dewi = user_create(username="dewi", full_name="Dewi Lestari", password="Rahasia-Uji-2026")
    membership_grant(user=dewi, role=Role.TIM_PENYUSUN)
    log_in_to_home(page, live_server, dewi)
    page.goto(live_server.url + f"/perencanaan/{rat.pk}/bab/pendahuluan/")
    body = page.get_by_test_id("richtext-body")
    body.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("Latar belakang RAT 2027. ")
    page.get_by_test_id("richtext-bold").click()
    page.keyboard.type("Penting")
    page.get_by_test_id("richtext-bold").click()
    page.keyboard.press("Enter")
    page.get_by_test_id("richtext-insertUnorderedList").click()
    page.keyboard.type("butir pertama")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.get_by_test_id("richtext-table").click()
    page.get_by_role("button", name="Simpan").click()
    expect(page).to_have_url(live_server.url + f"/perencanaan/{rat.pk}/#bab-pendahuluan")
    section = rat.sections.get(key="pendahuluan")
    assert "<b>Penting</b>" in section.body or "<strong>Penting</strong>" in section.body
    assert "<li>butir pertama</li>" in section.body and "<table>" in section.body
    expect(page.locator("#bab-pendahuluan table")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plan-rat-2027.png"), full_page=False)
    assert browser_errors.messages == []


def test_an_opd_operator_edits_its_matrix_row_in_the_browser(
    page: Page, live_server: Any, opd_operator: User, browser_errors: BrowserErrors
) -> None:
    demo_plans_load()
    rat = Plan.objects.get(kind=PlanKind.RAT, year_start=2027)
    log_in_to_home(page, live_server, opd_operator)
    page.goto(live_server.url + f"/perencanaan/{rat.pk}/")
    expect(page.get_by_test_id("row-edit-P2.1.1")).to_have_count(0)  # Disdik's row
    page.get_by_test_id("row-edit-P1.1.1").click()
    page.fill("#id_target", "1250")
    page.fill("#id_target_q4", "1250")
    page.get_by_test_id("row-save").click()
    expect(page.locator('tr[data-code="P1.1.1"]')).to_contain_text("1250")
    assert rat.matrix.get(code="P1.1.1").target == 1250
    assert browser_errors.messages == []
