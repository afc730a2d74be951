"""The map pages: the diagram of a CFM, its versions, upload, editor and comparison."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import User
from tkpk.processes.models import ProcessNode, ProcessVersion, VersionStatus
from tkpk.processes.services import (
    process_maps_load,
    process_version_create,
    process_version_current,
)
from tkpk.processes.tests.test_compare import (
    ADDED_NAME,
    ADDED_TASK,
    RAT,
    RAT_XML,
    REMOVED_FLOW,
    RENAMED_TASK,
    RENAMED_TO,
    rat_edited_xml,
)

pytestmark = pytest.mark.django_db
BROKEN_LANE_XML = RAT_XML.replace('name="Gubernur"', 'name="Tukang Kebun"')


@pytest.fixture
def maps(reference: None) -> None:
    process_maps_load()


@pytest.fixture
def rat(maps: None) -> ProcessNode:
    return ProcessNode.objects.get(pk=RAT)


@pytest.fixture
def draft(rat: ProcessNode, secretariat: User) -> ProcessVersion:
    return process_version_create(
        node=rat, xml=rat_edited_xml(), by=secretariat, change_note="Menambah arsip"
    )


def url(name: str, *args: Any) -> str:
    return reverse(f"processes:{name}", args=args)


def json_data(page: str, element_id: str) -> Any:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page)
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


def versions_of(node: ProcessNode) -> list[ProcessVersion]:
    return list(ProcessVersion.objects.filter(node=node).order_by("pk"))


def bpmn_upload(xml: str, name: str = "peta.bpmn") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xml.encode(), content_type="application/octet-stream")


def read_pages(node: ProcessNode, version: ProcessVersion) -> list[str]:
    code = node.code
    return [
        url("node", code),
        url("versions", code),
        url("version", code, version.pk),
        url("version_bpmn", code, version.pk),
        url("compare", code),
    ]


def secretariat_pages(node: ProcessNode) -> list[str]:
    return [url("version_upload", node.code), url("editor", node.code)]


# --- who may see what -------------------------------------------------------------------------


def test_the_outsider_is_refused_every_map_page(
    as_outsider: Client, rat: ProcessNode, draft: ProcessVersion
) -> None:
    for page in read_pages(rat, draft) + secretariat_pages(rat):
        assert as_outsider.get(page).status_code == 403, page
    assert as_outsider.post(url("version_upload", rat.code), {}).status_code == 403
    assert as_outsider.post(url("version_publish", rat.code, draft.pk)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_an_opd_operator_reads_the_maps_but_may_not_upload_edit_or_publish(
    as_opd: Client, rat: ProcessNode, draft: ProcessVersion
) -> None:
    for page in read_pages(rat, draft):
        assert as_opd.get(page).status_code == 200, page
    for page in secretariat_pages(rat):
        assert as_opd.get(page).status_code == 403, page
    before = versions_of(rat)
    response = as_opd.post(
        url("version_upload", rat.code), {"xml": RAT_XML, "change_note": "coba", "publish": "on"}
    )
    assert response.status_code == 403
    assert as_opd.post(url("version_publish", rat.code, draft.pk)).status_code == 403
    assert versions_of(rat) == before
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    cfm = as_opd.get(url("node", rat.code)).content.decode()
    assert url("version_upload", rat.code) not in cfm
    assert url("editor", rat.code) not in cfm


def test_map_pages_of_a_node_that_is_not_a_cfm_are_not_found(
    as_secretariat: Client, maps: None
) -> None:
    assert as_secretariat.get(url("versions", "TKPK-01.02")).status_code == 404
    assert as_secretariat.get(url("editor", "TKPK-01.02")).status_code == 404


# --- the CFM page -----------------------------------------------------------------------------


def test_the_cfm_page_embeds_the_current_diagram_and_what_each_step_needs(
    as_opd: Client, rat: ProcessNode
) -> None:
    page = as_opd.get(url("node", rat.code)).content.decode()
    diagram = json_data(page, "cfm-diagram-data")
    current = process_version_current(node=rat)
    assert current is not None
    assert diagram["xml"] == current.bpmn_xml
    step = diagram["activities"]["Task_RAT_09_TetapkanKepgub"]
    assert step["lane"] == "Gubernur"
    assert step["output"] == "Keputusan Gubernur tentang RAT"
    assert step["waktu"] == "5 hari kerja"
    assert step["deadline"] == "date(plan_year - 1, 7, 7)"
    assert step["kelengkapan"] == "Rancangan Keputusan Gubernur tentang RAT"
    assert step["keterangan"].startswith("Paling lambat minggu pertama bulan Juli")
    assert step["documentation"].startswith("Gubernur menetapkan RAT")
    assert 'data-testid="version-number"' in page
    assert 'href="/proses/peta/TKPK-01.02.CFM.01/sop/"' in page
    assert f'href="{url("versions", rat.code)}"' in page
    assert "bpmn-navigated-viewer.production.min.js" in page
    assert "Desember" in page  # the decree's notes stay on the page


def test_the_secretariat_sees_upload_and_edit_links_on_the_cfm_page(
    as_secretariat: Client, rat: ProcessNode
) -> None:
    page = as_secretariat.get(url("node", rat.code)).content.decode()
    assert f'href="{url("version_upload", rat.code)}"' in page
    assert f'href="{url("editor", rat.code)}"' in page


def test_a_cfm_without_a_published_version_says_so(as_opd: Client, reference: None) -> None:
    response = as_opd.get(url("node", RAT))
    assert response.status_code == 200
    assert 'data-testid="no-version"' in response.content.decode()


def test_a_level_one_page_still_drills_down_to_its_subprocesses(as_opd: Client, maps: None) -> None:
    page = as_opd.get(url("node", "TKPK-01")).content.decode()
    assert url("node", "TKPK-01.02") in page
    assert "cfm-diagram" not in page


# --- upload -----------------------------------------------------------------------------------


def test_uploading_a_valid_file_keeps_a_draft_and_leaves_the_current_version(
    as_secretariat: Client, secretariat: User, rat: ProcessNode
) -> None:
    current = process_version_current(node=rat)
    response = as_secretariat.post(
        url("version_upload", rat.code),
        {"file": bpmn_upload(rat_edited_xml()), "change_note": "Menambah langkah arsip"},
    )
    draft = ProcessVersion.objects.filter(node=rat).latest("pk")
    assert response.status_code == 302
    assert response["Location"] == url("version", rat.code, draft.pk)
    assert draft.status == VersionStatus.DRAFT and draft.number is None
    assert draft.author == secretariat
    assert draft.change_note == "Menambah langkah arsip"
    assert process_version_current(node=rat) == current
    page = as_secretariat.get(response["Location"]).content.decode()
    assert ADDED_TASK in json_data(page, "version-diagram-data")["activities"]
    assert 'data-testid="publish"' in page


def test_uploading_with_publish_now_makes_the_next_version_current(
    as_secretariat: Client, rat: ProcessNode
) -> None:
    response = as_secretariat.post(
        url("version_upload", rat.code),
        {"file": bpmn_upload(rat_edited_xml()), "change_note": "Revisi", "publish": "on"},
    )
    new = process_version_current(node=rat)
    assert new is not None and new.number == 2
    assert response["Location"] == url("version", rat.code, new.pk)
    page = as_secretariat.get(url("node", rat.code)).content.decode()
    activities = json_data(page, "cfm-diagram-data")["activities"]
    assert activities[RENAMED_TASK]["name"] == RENAMED_TO
    assert activities[ADDED_TASK]["name"] == ADDED_NAME


def test_publishing_a_new_version_keeps_the_old_one_viewable_and_downloadable(
    as_secretariat: Client, rat: ProcessNode, draft: ProcessVersion
) -> None:
    first = process_version_current(node=rat)
    assert first is not None

    response = as_secretariat.post(url("version_publish", rat.code, draft.pk))

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.status == VersionStatus.PUBLISHED and draft.number == 2
    assert process_version_current(node=rat) == draft
    old_page = as_secretariat.get(url("version", rat.code, first.pk))
    assert old_page.status_code == 200
    old = json_data(old_page.content.decode(), "version-diagram-data")
    assert old["xml"] == RAT_XML
    assert ADDED_TASK not in old["activities"]
    assert 'data-testid="not-current"' in old_page.content.decode()
    download = as_secretariat.get(url("version_bpmn", rat.code, first.pk))
    assert download.content.decode() == RAT_XML
    assert download["Content-Disposition"] == f'attachment; filename="{RAT}-v1.bpmn"'
    new_page = as_secretariat.get(url("version", rat.code, draft.pk)).content.decode()
    assert f"{url('compare', rat.code)}?a={first.pk}&amp;b={draft.pk}" in new_page
    listing = as_secretariat.get(url("versions", rat.code)).content.decode()
    assert url("version", rat.code, first.pk) in listing
    assert url("version", rat.code, draft.pk) in listing
    assert "Menambah arsip" in listing


def test_a_map_with_an_unknown_lane_is_refused_with_the_problem_and_the_note_kept(
    as_secretariat: Client, rat: ProcessNode
) -> None:
    before = versions_of(rat)
    response = as_secretariat.post(
        url("version_upload", rat.code),
        {
            "file": bpmn_upload(BROKEN_LANE_XML),
            "change_note": "Lajur baru untuk taman",
            "publish": "on",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert versions_of(rat) == before
    problems = re.search(r'data-testid="problems">(.*?)</div>', page, re.S)
    assert problems and "&#x27;Tukang Kebun&#x27;" in problems.group(1)
    assert "<li>" in problems.group(1)
    assert "Lajur baru untuk taman</textarea>" in page


def test_a_file_that_is_not_xml_is_refused_and_nothing_is_stored(
    as_secretariat: Client, rat: ProcessNode
) -> None:
    before = versions_of(rat)
    response = as_secretariat.post(
        url("version_upload", rat.code),
        {"file": bpmn_upload("ini bukan XML"), "change_note": "salah berkas"},
    )
    assert response.status_code == 200
    problems = response.context["problems"]
    assert len(problems) == 1 and "XML" in problems[0]
    assert versions_of(rat) == before


def test_an_upload_needs_a_file_or_xml_and_a_note(as_secretariat: Client, rat: ProcessNode) -> None:
    before = versions_of(rat)
    response = as_secretariat.post(url("version_upload", rat.code), {"change_note": ""})
    assert response.status_code == 200
    problems = re.search(r'data-testid="problems">(.*?)</div>', response.content.decode(), re.S)
    assert problems and problems.group(1).count("<li>") == 2  # no diagram, no note
    assert versions_of(rat) == before


# --- the editor -------------------------------------------------------------------------------


def test_the_editor_opens_the_current_version_or_a_chosen_draft(
    as_secretariat: Client, rat: ProcessNode, draft: ProcessVersion
) -> None:
    page = as_secretariat.get(url("editor", rat.code)).content.decode()
    config = json_data(page, "editor-config")
    assert config["xml"] == RAT_XML
    assert config["save_url"] == url("version_upload", rat.code)
    assert "bpmn-modeler.production.min.js" in page
    page = as_secretariat.get(url("editor", rat.code) + f"?versi={draft.pk}").content.decode()
    assert json_data(page, "editor-config")["xml"] == draft.bpmn_xml


def test_the_editor_saves_pasted_xml_and_answers_json(
    as_secretariat: Client, rat: ProcessNode
) -> None:
    response = as_secretariat.post(
        url("version_upload", rat.code),
        {"xml": rat_edited_xml(), "change_note": "dari penyunting"},
        headers={"Accept": "application/json"},
    )
    answer = response.json()
    draft = ProcessVersion.objects.filter(node=rat).latest("pk")
    assert answer == {
        "ok": True,
        "url": url("version", rat.code, draft.pk),
        "status": "draft",
        "number": None,
    }
    assert draft.change_note == "dari penyunting"


def test_the_editor_gets_every_problem_as_json_and_nothing_is_stored(
    as_secretariat: Client, rat: ProcessNode
) -> None:
    before = versions_of(rat)
    broken = BROKEN_LANE_XML.replace('name="Biro Hukum"', 'name="Satpam"')
    response = as_secretariat.post(
        url("version_upload", rat.code),
        {"xml": broken, "change_note": "dua lajur salah", "publish": "on"},
        headers={"Accept": "application/json"},
    )
    answer = response.json()
    assert response.status_code == 200
    assert answer["ok"] is False
    assert len(answer["problems"]) == 2
    assert "Tukang Kebun" in answer["problems"][0] and "Satpam" in answer["problems"][1]
    assert versions_of(rat) == before


# --- comparison -------------------------------------------------------------------------------


def test_the_comparison_defaults_to_the_previous_and_current_versions_and_lists_the_edit(
    as_opd: Client, rat: ProcessNode, secretariat: User
) -> None:
    first = process_version_current(node=rat)
    assert first is not None
    second = process_version_create(
        node=rat, xml=rat_edited_xml(), by=secretariat, change_note="Revisi", publish=True
    )

    page = as_opd.get(url("compare", rat.code)).content.decode()

    added = re.search(r'data-testid="added-activities">(.*?)</ul>', page, re.S)
    assert added and ADDED_NAME in added.group(1)
    changed = re.search(r'data-testid="changed-activities">(.*?)</ul>\s*</li></ul>', page, re.S)
    assert changed and RENAMED_TO in changed.group(1)
    assert "Menyusun Rancangan Awal RAT</del>" in changed.group(1)
    removed = re.search(r'data-testid="removed-flows">(.*?)</ul>', page, re.S)
    assert removed and "Disetujui? → Menyusun Rancangan Akhir RAT" in removed.group(1)
    assert 'data-testid="removed-activities"' not in page
    a = json_data(page, "compare-a-diagram-data")
    b = json_data(page, "compare-b-diagram-data")
    assert a["xml"] == first.bpmn_xml and b["xml"] == second.bpmn_xml
    assert a["markers"]["removed"] == [REMOVED_FLOW]
    assert b["markers"]["added"] == [ADDED_TASK]
    assert a["markers"]["changed"] == b["markers"]["changed"] == [RENAMED_TASK]


def test_the_comparison_of_chosen_versions_can_run_backwards(
    as_opd: Client, rat: ProcessNode, draft: ProcessVersion
) -> None:
    first = process_version_current(node=rat)
    assert first is not None
    page = as_opd.get(url("compare", rat.code) + f"?a={draft.pk}&b={first.pk}").content.decode()
    removed = re.search(r'data-testid="removed-activities">(.*?)</ul>', page, re.S)
    assert removed and ADDED_NAME in removed.group(1)
    assert json_data(page, "compare-b-diagram-data")["markers"]["added"] == [REMOVED_FLOW]


def test_with_a_single_version_the_comparison_shows_no_differences(
    as_opd: Client, rat: ProcessNode
) -> None:
    page = as_opd.get(url("compare", rat.code)).content.decode()
    assert 'data-testid="no-differences"' in page


def test_a_version_of_another_map_is_not_found(
    as_opd: Client, rat: ProcessNode, draft: ProcessVersion
) -> None:
    other = "TKPK-01.01.CFM.01"
    assert as_opd.get(url("version", other, draft.pk)).status_code == 404
    assert as_opd.get(url("compare", other) + f"?a={draft.pk}").status_code == 404
