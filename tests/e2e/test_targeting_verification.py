"""Musyawarah kelurahan in a real browser: the verifier decides and submits the berita acara."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.test_personas import log_in_to_home
from tkpk.accounts.models import User
from tkpk.targeting.models import Musyawarah, VerificationDecision
from tkpk.targeting.services_verification import flagged_households
from tkpk.targeting.tests.test_verification import K, _import, _rows

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_the_verifier_records_a_decision_and_submits_the_berita_acara(
    page: Page,
    live_server: Any,
    kelurahan_verifier: User,
    media: Path,
    browser_errors: BrowserErrors,
) -> None:
    tmp_path = media
    _import(tmp_path, _rows(new=False), date(2026, 3, 31))
    release = _import(tmp_path, _rows(new=True), date(2026, 6, 30))
    release.is_current = True
    release.save(update_fields=["is_current"])
    key = int(flagged_households(release=release, kelurahan_code=K).item(0, "key"))

    log_in_to_home(page, live_server, kelurahan_verifier)
    page.goto(live_server.url + reverse("targeting:verification"))
    household = page.locator(f'[data-household="{key}"]')
    expect(household).to_be_visible()
    household.locator(f"#id_h{key}-decision").select_option("not_eligible")
    household.locator(f"#id_h{key}-note").fill("Sudah mampu, disepakati musyawarah")
    page.get_by_test_id(f"decision-save-{key}").click()
    expect(household.locator("[data-decision='not_eligible']")).to_be_visible()
    assert VerificationDecision.objects.get().decision == "not_eligible"

    minutes = tmp_path / "berita-acara-kali-anyar.pdf"
    minutes.write_bytes(b"%PDF-1.4\n% berita acara musyawarah kelurahan\n")
    form = page.get_by_test_id("submit-form")
    form.locator("#id_held_on").fill("2026-07-10")
    form.locator("#id_confirm").check()
    form.locator("#id_minutes").set_input_files(str(minutes))
    page.get_by_test_id("submit-musyawarah").click()
    expect(page.get_by_test_id("submitted")).to_be_visible()
    expect(page.get_by_test_id("minutes-link")).to_be_visible()
    expect(page.locator(f"#id_h{key}-decision")).to_have_count(0)  # frozen
    musyawarah = Musyawarah.objects.get(release=release, kelurahan_id=K)
    assert musyawarah.submitted_at is not None
    assert musyawarah.minutes_name == "berita-acara-kali-anyar.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "musyawarah-kelurahan.png"), full_page=True)
    assert browser_errors.messages == []
