"""A data request in a real browser: the OPD files, the secretariat approves, the data steward
produces the extract, the OPD downloads it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from tests.e2e.test_personas import log_in_to_home, log_out
from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.models import AuditEvent
from tkpk.core.roles import Role
from tkpk.processes.models import ProcessNode
from tkpk.processes.services import BPMN_DIR, process_version_create, process_version_current
from tkpk.targeting.models import DataRequest, RequestStatus
from tkpk.targeting.services_requests import PROCESS_CODE
from tkpk.targeting.tests.factories import release_make

if TYPE_CHECKING:
    from tests.e2e.conftest import BrowserErrors

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(
    settings: Any, tmp_path: Path, opd_operator: User, secretariat: User
) -> tuple[User, User, User]:
    """A current release, the published map and the three actors: OPD, secretariat, steward."""
    settings.MEDIA_ROOT = tmp_path / "media"
    release_make(tmp_path)
    node = ProcessNode.objects.get(pk=PROCESS_CODE)
    if process_version_current(node=node) is None:
        xml = (BPMN_DIR / f"{PROCESS_CODE}.bpmn").read_text(encoding="utf-8")
        process_version_create(node=node, xml=xml, by=None, publish=True)
    steward = user_create(username="agus", full_name="Agus Prasetyo", password=PASSWORD)
    membership_grant(user=steward, role=Role.PENGELOLA_DATA)
    return opd_operator, secretariat, steward


def test_an_opd_request_is_approved_extracted_and_downloaded(
    page: Page, live_server: Any, people: tuple[User, User, User], browser_errors: BrowserErrors
) -> None:
    opd_operator, secretariat, steward = people

    # The OPD files its request.
    log_in_to_home(page, live_server, opd_operator)
    page.goto(live_server.url + "/data-sasaran/permintaan/")
    page.get_by_test_id("request-new").click()
    page.fill("#id_programme", "KJP PLUS")
    page.fill("#id_purpose", "Penyaluran bantuan pendidikan kepada keluarga desil 1-4.")
    page.fill("#id_legal_basis", "Pergub DKI Jakarta tentang KJP Plus")
    for desil in ("1", "2", "3", "4"):
        page.check(f"#id_desil input[value='{desil}']")
    page.fill("#id_regions", "31.73 31.75")
    for field in ("name", "kelurahan_code", "desil"):
        page.check(f"#id_fields input[value='{field}']")
    page.get_by_test_id("request-submit").click()
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "submitted")
    item = DataRequest.objects.get()
    expect(page.get_by_test_id("request-number")).to_contain_text(item.number)
    log_out(page, live_server)

    # The secretariat approves two of the three fields.
    log_in_to_home(page, live_server, secretariat)
    page.goto(live_server.url + f"/data-sasaran/permintaan/{item.pk}/")
    form = page.get_by_test_id("review-form")
    form.locator("input[name='decision'][value='approve']").check()
    form.locator("input[name='approved_fields'][value='kelurahan_code']").uncheck()
    page.fill("#id_valid_days", "10")
    page.get_by_test_id("review-submit").click()
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "approved")
    log_out(page, live_server)

    # The data steward produces the extract.
    log_in_to_home(page, live_server, steward)
    page.goto(live_server.url + f"/data-sasaran/permintaan/{item.pk}/")
    page.get_by_test_id("produce-extract").click()
    expect(page.get_by_test_id("request-status")).to_have_attribute("data-status", "extracted")
    log_out(page, live_server)

    # The OPD downloads it.
    log_in_to_home(page, live_server, opd_operator)
    page.goto(live_server.url + f"/data-sasaran/permintaan/{item.pk}/")
    expect(page.get_by_test_id("extract-expires")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_test_id("download-xlsx").click()
    download = info.value
    assert download.suggested_filename == f"ekstrak-{item.number}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    sheet = book.worksheets[0]
    item.refresh_from_db()
    assert item.status == RequestStatus.EXTRACTED and item.number in str(sheet["A1"].value)
    assert [c.value for c in sheet[2]] == ["name", "desil", "watermark"]
    assert sheet.max_row == item.extract_rows + 2
    assert AuditEvent.objects.filter(action="targeting.extract_downloaded").count() == 1
    assert browser_errors.messages == []
