"""A report in a real browser: the secretariat creates it, the worker step runs, the page shows
the finished version and the PDF downloads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_personas import log_in_to_home
from tkpk.accounts.models import User
from tkpk.monitoring.models import Instrument
from tkpk.reports.models import ReportVersion
from tkpk.reports.services import report_version_run
from tkpk.reports.tests.conftest import (  # noqa: F401 (fixtures used by name)
    YEAR,
    _media,
    instrument,
    ketua,
    locked_q1,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_a_quarterly_report_is_generated_and_its_pdf_downloaded(
    page: Page,
    live_server: Any,
    secretariat: User,
    locked_q1: Instrument,  # noqa: F811 (the fixture imported above)
    browser_errors: BrowserErrors,
) -> None:
    log_in_to_home(page, live_server, secretariat)
    page.goto(live_server.url + "/laporan-tkpk/baru/")
    page.select_option("select[name=kind]", "quarterly")
    page.fill("input[name=year]", str(YEAR))
    page.select_option("select[name=quarter]", "1")
    page.get_by_test_id("report-create").click()
    expect(page.get_by_test_id("latest-status")).to_have_attribute("data-status", "queued")
    report_version_run(version=ReportVersion.objects.get())  # what the worker does
    # The page polls (htmx, every second) and swaps in the finished version.
    expect(page.get_by_test_id("latest-status")).to_have_attribute("data-status", "done")
    # The whole page follows without a manual reload: the versions table and the buttons.
    version_row = page.get_by_test_id("versions").locator('tr[data-version="1"]')
    expect(version_row).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("generate")).to_be_enabled()
    expect(page.get_by_test_id("submit")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_test_id("download-pdf").click()
    target = ARTIFACTS / "reports-quarterly.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(ARTIFACTS / "reports-detail.png"), full_page=True)
    assert browser_errors.messages == []
