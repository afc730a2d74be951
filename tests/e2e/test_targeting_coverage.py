"""Coverage in a real browser: charts drawn, the kelurahan map drawn from boundary GeoJSON alone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_personas import log_in_to_home
from tkpk.accounts.models import User
from tkpk.targeting.tests.test_coverage import boundaries_write, coverage_case

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def coverage_data(settings: Any, tmp_path: Path, reference: None) -> None:
    """The hand-counted coverage case, with a boundary file of its three kelurahan."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TKPK_BOUNDARY_GEOJSON = str(boundaries_write(tmp_path / "kelurahan.geojson"))
    coverage_case(tmp_path)


def test_the_coverage_page_draws_the_charts_and_the_kelurahan_map_without_tiles(
    page: Page,
    live_server: Any,
    secretariat: User,
    browser_errors: BrowserErrors,
    coverage_data: None,
) -> None:
    log_in_to_home(page, live_server, secretariat)
    page.goto(live_server.url + "/data-sasaran/cakupan/?programme=PKH")
    expect(page.get_by_test_id("chart-desil")).to_be_visible()
    map_el = page.get_by_test_id("coverage-map")
    expect(map_el).to_have_attribute("data-features", "3")
    expect(page.locator("#coverage-map path.leaflet-interactive")).to_have_count(3)
    expect(page.locator("#coverage-map img.leaflet-tile")).to_have_count(0)
    assert page.locator("#chart-desil").evaluate("c => c.width > 0 && !!Chart.getChart(c)")
    expect(page.get_by_test_id("coverage-map-legend")).not_to_be_empty()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "targeting-coverage.png"), full_page=True)
    page.locator('tr[data-code="31.73.04.1002"] td[data-cell="not_reached"] a').click()
    expect(page.get_by_test_id("drill-summary")).to_have_attribute("data-total", "2")
    assert browser_errors.messages == []
