"""The review queue of a beneficiary list in a real browser: two records side by side."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from tests.e2e.test_personas import log_in_to_home
from tkpk.accounts.models import Organisation
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.targeting import services_lists
from tkpk.targeting.models import LinkReview, ReviewStatus
from tkpk.targeting.services_lists import beneficiary_list_create, beneficiary_list_link
from tkpk.targeting.tests.factories import release_make

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_a_data_steward_accepts_one_pair_and_rejects_another_side_by_side(
    page: Page,
    live_server: Any,
    *,
    reference: None,
    browser_errors: BrowserErrors,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services_lists, "ACCEPT", 1.01)  # every model pair waits for review
    targets = release_make(tmp_path)
    path = tmp_path / "kjp.csv"
    targets.beneficiaries.write_csv(path)
    steward = user_create(username="agus", full_name="Agus Prasetyo", password=PASSWORD)
    membership_grant(user=steward, role=Role.PENGELOLA_DATA)
    blist = beneficiary_list_link(
        blist=beneficiary_list_create(
            path=path,
            file_name=path.name,
            programme="KJP PLUS",
            organisation=Organisation.objects.get(acronym="Dinsos"),
            year=2026,
            quarter=3,
            mapping={},
            by=steward,
        )
    )
    pending, model, unmatched = blist.review_pending, blist.matched_model, blist.unmatched
    assert pending >= 2

    log_in_to_home(page, live_server, steward)
    page.goto(live_server.url + reverse("targeting:list_review", args=[blist.pk]))
    pair = page.get_by_test_id("review-pair")
    expect(pair.locator('td[data-side="list"]')).to_have_count(8)
    expect(pair.locator('td[data-side="release"]')).to_have_count(8)
    expect(pair.locator('tr[data-field="nik"] td[data-side="release"]')).to_contain_text("•")
    expect(page.get_by_test_id("count-pending")).to_have_text(str(pending))
    first = pair.get_attribute("data-review")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "targeting-review.png"), full_page=True)

    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("count-pending")).to_have_text(str(pending - 1))
    expect(page.get_by_test_id("count-model")).to_have_text(str(model + 1))
    expect(page.get_by_test_id("review-pair")).not_to_have_attribute("data-review", first or "")
    second = page.get_by_test_id("review-pair").get_attribute("data-review")

    page.get_by_test_id("reject").click()
    expect(page.get_by_test_id("count-pending")).to_have_text(str(pending - 2))
    expect(page.get_by_test_id("count-unmatched")).to_have_text(str(unmatched + 1))

    assert LinkReview.objects.get(pk=first).status == ReviewStatus.ACCEPTED
    assert LinkReview.objects.get(pk=second).status == ReviewStatus.REJECTED
    blist.refresh_from_db()
    assert blist.review_pending == pending - 2
    assert browser_errors.messages == []
