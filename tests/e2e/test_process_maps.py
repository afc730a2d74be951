"""The process maps in a real browser: the CFM diagram and its panel, the editor, the comparison."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect

from conftest import PASSWORD
from tkpk.accounts.models import User
from tkpk.processes.compare import process_compare
from tkpk.processes.engine import parse_bpmn
from tkpk.processes.models import ProcessNode, ProcessVersion, VersionStatus
from tkpk.processes.services import (
    process_maps_load,
    process_version_create,
    process_version_current,
)
from tkpk.processes.tests.test_compare import (
    ADDED_TASK,
    RAT,
    REMOVED_FLOW,
    RENAMED_TASK,
    rat_edited_xml,
)

if TYPE_CHECKING:  # pytest imports this directory's conftest itself, as e2e.conftest
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
STEP = "Task_RAT_09_TetapkanKepgub"  # Gubernur: Menetapkan Keputusan Gubernur tentang RAT


@pytest.fixture
def maps(reference: None) -> None:
    process_maps_load()


def log_in(page: Page, live_server: Any, user: User) -> None:
    page.goto(live_server.url + "/akun/masuk/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-user")).to_contain_text(user.full_name)


def drawn(page: Page, testid: str) -> Locator:
    """The diagram once bpmn-js has drawn it."""
    holder = page.get_by_test_id(testid)
    expect(holder).to_have_attribute("data-rendered", "true")
    return holder


def shape(holder: Locator, element_id: str) -> Locator:
    return holder.locator(f'g.djs-element[data-element-id="{element_id}"]')


def test_the_rat_map_is_drawn_and_a_clicked_step_shows_its_output_and_time(
    opd_operator: User, maps: None, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    page.set_viewport_size({"width": 1600, "height": 1000})
    log_in(page, live_server, opd_operator)
    page.goto(f"{live_server.url}/proses/{RAT}/")

    diagram = drawn(page, "cfm-diagram")
    assert diagram.locator("svg .djs-element").count() > 10
    expect(diagram.locator(".bjs-powered-by")).to_be_visible()  # the bpmn.io licence mark
    panel = page.get_by_test_id("activity-panel")
    expect(panel.locator("[data-panel-body]")).to_be_hidden()

    # The list of steps beside the diagram selects too (keyboard users need no mouse).
    page.get_by_test_id("step-list").get_by_role(
        "button", name=re.compile("^Mempublikasikan RAT")
    ).click()
    expect(panel.locator("[data-panel-body]")).to_be_visible()
    expect(panel.locator('[data-field="output"]')).to_contain_text("RAT terpublikasi")
    expect(panel.locator('[data-field="lane"]')).to_have_text("Sekretariat TKPK")

    shape(diagram, STEP).click()

    expect(panel.locator('[data-field="name"]')).to_have_text(
        "Menetapkan Keputusan Gubernur tentang RAT"
    )
    expect(panel.locator('[data-field="lane"]')).to_have_text("Gubernur")
    expect(panel.locator('[data-field="output"]')).to_have_text("Keputusan Gubernur tentang RAT")
    expect(panel.locator('[data-field="waktu"]')).to_have_text("5 hari kerja")
    expect(panel.locator('[data-field="deadline"]')).to_have_text("date(plan_year - 1, 7, 7)")
    expect(shape(diagram, STEP)).to_have_class(re.compile(r"\btkpk-selected\b"))
    expect(shape(diagram, "Task_RAT_10_Publikasi")).not_to_have_class(re.compile("selected"))

    page.evaluate("document.fonts.ready")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "cfm-rat.png"
    target.unlink(missing_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 20 * 1024
    assert browser_errors.messages == []


def test_the_editor_loads_the_map_and_saves_it_unchanged_as_a_draft(
    secretariat: User, maps: None, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    node = ProcessNode.objects.get(pk=RAT)
    current = process_version_current(node=node)
    assert current is not None
    log_in(page, live_server, secretariat)
    page.goto(f"{live_server.url}/proses/{RAT}/")
    page.get_by_test_id("link-edit").click()

    editor = drawn(page, "bpmn-editor")
    assert editor.locator("svg .djs-element").count() > 10
    expect(editor.locator(".djs-palette")).to_be_visible()  # a modeler, not a viewer
    page.fill("#editor-note", "Disimpan tanpa perubahan")
    page.screenshot(path=str(ARTIFACTS / "editor-rat.png"))
    page.get_by_test_id("save-draft").click()

    saved = page.get_by_test_id("editor-saved")
    expect(saved).to_be_visible()
    draft = ProcessVersion.objects.filter(node=node).latest("pk")
    assert draft.pk != current.pk
    assert draft.status == VersionStatus.DRAFT
    assert draft.author == secretariat
    assert draft.change_note == "Disimpan tanpa perubahan"
    # bpmn-js rewrote the XML, but the process it describes is the same.
    diff = process_compare(parse_bpmn(current.bpmn_xml)[0], parse_bpmn(draft.bpmn_xml)[0])
    assert diff.is_empty, diff
    expect(saved.get_by_role("link")).to_have_attribute(
        "href", f"/proses/peta/{RAT}/versi/{draft.pk}/"
    )
    assert process_version_current(node=node) == current
    expect(editor.locator("svg .djs-element").first).to_be_attached()  # the diagram stays
    assert browser_errors.messages == []


def test_the_editor_shows_the_problems_of_a_broken_map_and_keeps_the_diagram(
    secretariat: User, maps: None, page: Page, live_server: Any, browser_errors: BrowserErrors
) -> None:
    node = ProcessNode.objects.get(pk=RAT)
    before = ProcessVersion.objects.filter(node=node).count()
    log_in(page, live_server, secretariat)
    page.goto(f"{live_server.url}/proses/peta/{RAT}/sunting/")
    editor = drawn(page, "bpmn-editor")

    # Rename the Gubernur lane (double-click its label) to a role that does not exist.
    lane = editor.locator('g.djs-element[data-element-id="Lane_RAT_Gubernur"]')
    lane.locator(".djs-hit-all").first.dblclick()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Tukang Kebun")
    editor.locator('g.djs-element[data-element-id="Lane_RAT_OPD"] .djs-hit').first.click(
        position={"x": 600, "y": 20}
    )
    expect(editor.locator('g[data-element-id="Lane_RAT_Gubernur"]')).to_contain_text("Tukang Kebun")
    page.fill("#editor-note", "Lajur baru")
    page.get_by_test_id("save-publish").click()

    problems = page.get_by_test_id("editor-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("li")).to_contain_text(["'Tukang Kebun'"])
    assert ProcessVersion.objects.filter(node=node).count() == before
    expect(page.locator("#editor-note")).to_have_value("Lajur baru")
    page.screenshot(path=str(ARTIFACTS / "editor-problems.png"))
    assert editor.locator("svg .djs-element").count() > 10
    assert browser_errors.messages == []


@pytest.fixture
def rat_revised(maps: None, secretariat: User) -> ProcessVersion:
    """The RAT map republished with one task renamed, one added and one flow removed."""
    return process_version_create(
        node=ProcessNode.objects.get(pk=RAT),
        xml=rat_edited_xml(),
        by=secretariat,
        change_note="Revisi",
        publish=True,
    )


def test_the_comparison_marks_added_removed_and_changed_elements(
    opd_operator: User,
    rat_revised: ProcessVersion,
    page: Page,
    live_server: Any,
    browser_errors: BrowserErrors,
) -> None:
    page.set_viewport_size({"width": 1600, "height": 1000})
    log_in(page, live_server, opd_operator)
    page.goto(f"{live_server.url}/proses/peta/{RAT}/banding/")

    old = drawn(page, "compare-a-diagram")
    new = drawn(page, "compare-b-diagram")
    expect(shape(new, ADDED_TASK)).to_have_class(re.compile(r"\btkpk-added\b"))
    expect(shape(old, REMOVED_FLOW)).to_have_class(re.compile(r"\btkpk-removed\b"))
    expect(shape(old, RENAMED_TASK)).to_have_class(re.compile(r"\btkpk-changed\b"))
    expect(shape(new, RENAMED_TASK)).to_have_class(re.compile(r"\btkpk-changed\b"))
    expect(shape(old, "Task_RAT_01_Mulai")).not_to_have_class(re.compile(r"\btkpk-"))
    stroke = (
        shape(new, ADDED_TASK)
        .locator(".djs-visual > :first-child")
        .evaluate("el => getComputedStyle(el).stroke")
    )
    assert stroke == "rgb(25, 135, 84)"  # green
    expect(page.get_by_test_id("added-activities")).to_contain_text("Mengarsipkan Dokumen RAT")
    page.screenshot(path=str(ARTIFACTS / "compare-rat.png"), full_page=True)
    assert browser_errors.messages == []
