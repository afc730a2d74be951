"""Quarterly reporting in a real browser: an OPD operator fills two rows (autosaved) and
submits the quarter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_personas import log_in_to_home
from tkpk.accounts.models import User
from tkpk.core.roles import Role
from tkpk.monitoring.models import QuarterReport, ReportState
from tkpk.monitoring.tests import factories
from tkpk.monitoring.tests.factories import (
    instrument_published,
    open_quarter,
    report_of,
    user_with_role,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def dinsos_report(
    monkeypatch: pytest.MonkeyPatch,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> QuarterReport:
    """Dinsos's open Q1 2028 report with two rows (built through the domain services)."""
    rows = [
        *factories.ROWS,
        ("P3", "Dinsos", "Lansia penerima ATENSI", "higher", ["50", "100", "150", "200"], "40"),
    ]
    monkeypatch.setattr(factories, "ROWS", rows)
    instrument = instrument_published(
        secretariat=secretariat,
        ketua=user_with_role("hendra", Role.KETUA),
        operators={"Dinsos": opd_operator, "Disdik": other_opd_operator},
    )
    return report_of(open_quarter(instrument, 1), "Dinsos")


def test_an_opd_operator_fills_two_rows_and_submits_the_quarter(
    page: Page,
    live_server: Any,
    opd_operator: User,
    dinsos_report: QuarterReport,
    browser_errors: BrowserErrors,
) -> None:
    report = dinsos_report
    values = {v.row.code: v for v in report.values.select_related("row")}
    log_in_to_home(page, live_server, opd_operator)
    page.goto(live_server.url + f"/pemantauan/laporan/{report.pk}/")
    expect(page.get_by_test_id("report-state")).to_have_attribute("data-state", "not_started")
    expect(page.get_by_test_id("row-P2.1.1")).to_have_count(0)  # Disdik's row
    figures = {
        "P1.1.1": {
            "physical": "280",
            "budget": "150000000",
            "beneficiaries": "280",
            "desil_1": "200",
        },
        "P3.1.1": {"physical": "45", "budget": "2500000", "beneficiaries": "45", "sex_P": "30"},
    }
    for code, fields in figures.items():
        prefix = f"#id_v{values[code].pk}-"
        status = page.get_by_test_id(f"status-{code}")
        for saves, (name, typed) in enumerate(fields.items(), start=1):
            page.locator(prefix + name).fill(typed)
            page.locator(prefix + name).press("Tab")  # the change autosaves the row
            # Each save raises the row's version; the next save carries the new one. (Waiting
            # also keeps the live server's in-memory SQLite from two writers at once.)
            expect(status).to_have_attribute("data-lock-version", str(saves))
        expect(status).to_have_attribute("data-saved", "1")
        expect(status).to_have_attribute("data-conflict", "0")
    expect(page.get_by_test_id("status-P1.1.1")).to_have_attribute("data-achievement", "93.33")
    expect(page.get_by_test_id("status-P3.1.1")).to_have_attribute("data-achievement", "90.00")
    p1 = values["P1.1.1"]
    p1.refresh_from_db()
    assert (p1.physical, p1.budget, p1.beneficiaries) == (280, 150_000_000, 280)
    assert p1.beneficiaries_by_desil == {"1": 200}
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_test_id("report-state")).to_have_attribute("data-state", "submitted")
    expect(page.locator('section[data-editable="1"]')).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monitoring-report.png"), full_page=True)
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and report.submitted_by == opd_operator
    assert browser_errors.messages == []
