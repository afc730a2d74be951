"""Process work in a real browser: start an instance, complete a task, see where it stands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_personas import log_in_to_home
from tkpk.accounts.models import User
from tkpk.processes.models import HumanTask, ProcessInstance, TaskStatus
from tkpk.processes.services import process_maps_load

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_secretariat_starts_a_rat_completes_its_first_task_and_sees_the_position(
    page: Page, live_server: Any, secretariat: User, browser_errors: BrowserErrors
) -> None:
    process_maps_load()
    log_in_to_home(page, live_server, secretariat)
    page.goto(live_server.url + "/proses/peta/TKPK-01.02.CFM.01/instans/")
    page.fill("#id_plan_year", "2027")
    page.get_by_test_id("instance-start").get_by_role("button").click()
    instance = ProcessInstance.objects.get()
    expect(page).to_have_url(live_server.url + f"/proses/instans/{instance.pk}/")
    expect(page.get_by_test_id("milestones")).to_contain_text("2026-05-31")
    expect(page.get_by_test_id("instance-diagram")).to_have_attribute("data-rendered", "true")
    expect(page.locator(".tkpk-current")).to_have_count(1)

    page.get_by_test_id("nav-inbox").click()
    page.get_by_test_id("inbox-mine").get_by_role("link").first.click()
    page.fill("textarea[name=comment]", "Tim Penyusun dikonfirmasi; usulan diminta")
    page.get_by_test_id("task-submit").click()
    expect(page).to_have_url(live_server.url + f"/proses/instans/{instance.pk}/")
    expect(page.get_by_test_id("timeline")).to_contain_text("selesai")
    expect(page.locator(".tkpk-done")).not_to_have_count(0)
    first = HumanTask.objects.filter(instance=instance).order_by("id").first()
    assert first is not None and first.status == TaskStatus.COMPLETED
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "instance-rat.png"), full_page=True)
    assert browser_errors.messages == []


@pytest.mark.parametrize(
    "code",
    sorted(
        p.stem for p in (Path(__file__).resolve().parents[2] / "tkpk/processes/bpmn").glob("*.bpmn")
    ),
)
def test_every_shipped_map_renders_in_the_browser(
    code: str, page: Page, live_server: Any, opd_operator: User, browser_errors: BrowserErrors
) -> None:
    process_maps_load()
    log_in_to_home(page, live_server, opd_operator)
    page.goto(live_server.url + f"/proses/{code}/")
    expect(page.locator(".djs-container svg")).to_have_count(1)
    assert page.locator(".djs-shape").count() > 8
    assert browser_errors.messages == []
