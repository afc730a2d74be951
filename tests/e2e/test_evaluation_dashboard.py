"""The evaluation dashboard in a real browser: charts drawn from the stored snapshot, the
kelurahan choropleth from boundary GeoJSON alone, and a drill-down from province to kota."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_personas import log_in_to_home
from tkpk.accounts.models import User
from tkpk.evaluation.services import bps_poverty_load, dashboard_refresh
from tkpk.targeting.tests.test_coverage import boundaries_write, coverage_case

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
YEAR = 2026


@pytest.fixture
def dashboard_data(settings: Any, tmp_path: Path, reference: None) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TKPK_BOUNDARY_GEOJSON = str(boundaries_write(tmp_path / "kelurahan.geojson"))
    coverage_case(tmp_path)
    bps_poverty_load()
    dashboard_refresh(year=YEAR)


def drawn(page: Page, chart_id: str) -> bool:
    return bool(page.locator(f"#{chart_id}").evaluate("c => c.width > 0 && !!Chart.getChart(c)"))


def test_the_dashboard_draws_its_charts_and_drills_down_to_a_kota(
    page: Page,
    live_server: Any,
    secretariat: User,
    browser_errors: BrowserErrors,
    dashboard_data: None,
) -> None:
    log_in_to_home(page, live_server, secretariat)
    page.goto(f"{live_server.url}/evaluasi/?year={YEAR}")
    expect(page.get_by_test_id("chart-macro-P0")).to_be_visible()
    expect(page.get_by_test_id("chart-coverage")).to_be_visible()
    assert drawn(page, "chart-macro-P0") and drawn(page, "chart-coverage")
    assert page.locator("canvas").count() >= 5
    map_el = page.get_by_test_id("dashboard-map")
    expect(map_el).to_have_attribute("data-features", "3")
    expect(page.locator("#dashboard-map img.leaflet-tile")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluation-dashboard.png"), full_page=True)

    # Coverage: province → Jakarta Barat (kota) → its kecamatan.
    page.get_by_test_id("drill-31.73").first.click()
    crumbs = page.get_by_test_id("dashboard-breadcrumbs")
    expect(crumbs.locator('[data-region="31.73"]')).to_be_visible()
    expect(page.get_by_test_id("drill-31.73.04").first).to_be_visible()  # one row per programme
    assert drawn(page, "chart-coverage")
    # Macro: Jakarta Barat's own P0 series (two March rounds).
    expect(page.locator('[data-table="macro-P0"] tbody tr')).to_have_count(2)
    expect(page.get_by_test_id("dashboard-map")).to_have_attribute("data-features", "2")
    assert browser_errors.messages == []
