from __future__ import annotations

import csv
import io
import math
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login
from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.exports import neutralise
from tkpk.core.models import AuditEvent
from tkpk.core.roles import Role
from tkpk.processes.models import HumanTask, InstanceStatus, ProcessNode, TaskStatus
from tkpk.processes.services import (
    BPMN_DIR,
    process_version_create,
    process_version_current,
)
from tkpk.targeting import extracts
from tkpk.targeting.extracts import neutralise_frame
from tkpk.targeting.models import DataRequest, ImportStatus, Release, RequestStatus
from tkpk.targeting.services import import_job_create, import_job_run
from tkpk.targeting.services_requests import (
    PROCESS_CODE,
    ConcurrentEditError,
    data_request_close,
    data_request_create,
    data_request_extract,
    data_request_review,
    data_request_submit,
    data_request_update,
)
from tkpk.targeting.synthetic import targets_generate
from tkpk.targeting.tests.factories import SmallTargets, release_make

pytestmark = pytest.mark.django_db

MASKED_ID = re.compile(r"^\d{6}•+\d{4}$")
EVIL = '=HYPERLINK("http://evil","x")'


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def maps(reference: None) -> None:
    """The shipped map of TKPK-02.02.CFM.01, published (only this one is needed)."""
    node = ProcessNode.objects.get(pk=PROCESS_CODE)
    if process_version_current(node=node) is None:
        xml = (BPMN_DIR / f"{PROCESS_CODE}.bpmn").read_text(encoding="utf-8")
        process_version_create(node=node, xml=xml, by=None, publish=True)


@pytest.fixture
def data_steward(reference: None) -> User:
    user = user_create(username="agus", full_name="Agus Prasetyo")
    membership_grant(user=user, role=Role.PENGELOLA_DATA)
    return user


@pytest.fixture
def targets(tmp_path: Path, reference: None) -> SmallTargets:
    return release_make(tmp_path)


@pytest.fixture
def extracted(
    targets: SmallTargets, opd_operator: User, secretariat: User, data_steward: User
) -> DataRequest:
    """A Dinsos request approved (NIK masked) with its extract produced from `targets`."""
    return _extracted(opd_operator, secretariat, data_steward)


CRITERIA = {"desil": [1, 2, 3, 4], "regions": ["31.73", "31.75.06"], "age_min": 18}
FIELDS = ["nik", "kk", "name", "kelurahan_code", "desil"]


def _file(by: User, *, submit: bool = True, **over: Any) -> DataRequest:
    data: dict[str, Any] = {
        "programme": "KJP PLUS",
        "purpose": "Penyaluran bantuan pendidikan kepada keluarga desil 1-4.",
        "legal_basis": "Pergub DKI Jakarta tentang KJP Plus",
        "criteria": dict(CRITERIA),
        "fields": list(FIELDS),
        "needs_identifiers": False,
        **over,
    }
    assert by.organisation is not None
    return data_request_create(organisation=by.organisation, by=by, submit=submit, **data)


def _approve(item: DataRequest, by: User, **over: Any) -> DataRequest:
    kwargs: dict[str, Any] = {
        "decision": "approve",
        "note": "",
        "approved_fields": ["nik", "name", "kelurahan_code", "desil"],
        "identifiers_approved": False,
        "valid_days": 14,
        "version": item.version,
        **over,
    }
    return data_request_review(request=item, by=by, **kwargs)


def _open_steps(item: DataRequest) -> list[str]:
    return [
        t.step[:11]
        for t in HumanTask.objects.filter(instance_id=item.instance_id, status=TaskStatus.OPEN)
    ]


def _extracted(opd: User, secretariat: User, steward: User, **over: Any) -> DataRequest:
    item = _file(opd, **{k: v for k, v in over.items() if k in ("criteria", "fields")})
    item = _approve(item, secretariat, **{k: v for k, v in over.items() if k == "approved_fields"})
    return data_request_extract(request=item, by=steward)


def _age(frame: pl.DataFrame, on: date) -> pl.Series:
    return frame.select(extracts._age(on)).to_series()


def _expected(release: Release, criteria: dict[str, Any], on: date) -> pl.DataFrame:
    """An independent Polars filter of the release for CRITERIA."""
    persons = pl.read_parquet(release.persons_path)
    persons = persons.with_columns(_age(persons, on).alias("age"))
    regions = persons["kelurahan_code"].str.starts_with("31.73.") | persons[
        "kelurahan_code"
    ].str.starts_with("31.75.06.")
    return persons.filter(
        regions & pl.col("desil").is_in(criteria["desil"]) & (pl.col("age") >= 18)
    )


# --- lifecycle ---------------------------------------------------------------------------------


def test_an_opd_files_a_numbered_request_and_the_secretariats_review_opens(
    opd_operator: User,
) -> None:
    first = _file(opd_operator, submit=False)
    second = _file(opd_operator)
    year = timezone.localdate().year
    assert first.number == f"PDS-{year}-0001" and second.number == f"PDS-{year}-0002"
    assert first.status == RequestStatus.DRAFT and first.instance_id is None
    assert second.status == RequestStatus.SUBMITTED and second.instance is not None
    assert second.instance.params["jenis_fasilitasi"] == "permintaan"
    assert _open_steps(second) == ["Task_FDS_08"]
    filed = HumanTask.objects.get(instance=second.instance, step__startswith="Task_FDS_07")
    assert filed.status == TaskStatus.COMPLETED and filed.organisation == opd_operator.organisation
    assert AuditEvent.objects.filter(
        action="targeting.request_submitted", object_id=str(second.pk)
    ).exists()


def test_wrong_criteria_or_fields_are_refused_and_nothing_is_stored(opd_operator: User) -> None:
    bad: list[dict[str, Any]] = [
        {"criteria": {"regions": ["31.99.01"]}},
        {"criteria": {"regions": ["31"]}},  # the province is not a kota/kecamatan/kelurahan
        {"criteria": {"desil": [0, 11]}},
        {"criteria": {"age_min": 60, "age_max": 18}},
        {"criteria": {"sex": "X"}},
        {"criteria": {"income": 1}},
        {"fields": ["nik", "salary"]},
        {"fields": []},
        {"fields": ["name"], "needs_identifiers": True},
        {"programme": "  "},
    ]
    for over in bad:
        with pytest.raises(ValidationError):
            _file(opd_operator, **over)
    assert not DataRequest.objects.exists()


def test_only_an_operator_of_the_opd_files_for_it(
    opd_operator: User, other_opd_operator: User, secretariat: User, outsider: User
) -> None:
    dinsos = opd_operator.organisation
    assert dinsos is not None
    for user in (other_opd_operator, secretariat, outsider):
        with pytest.raises(PermissionDenied):
            data_request_create(
                organisation=dinsos,
                by=user,
                programme="X",
                purpose="Y",
                legal_basis="Z",
                criteria={},
                fields=["desil"],
            )
    item = _file(opd_operator, submit=False)
    with pytest.raises(PermissionDenied):
        data_request_submit(request=item, by=other_opd_operator, version=item.version)


def test_a_request_returned_for_changes_is_edited_and_submitted_again(
    opd_operator: User, secretariat: User
) -> None:
    item = _file(opd_operator)
    with pytest.raises(ValidationError):  # a return needs a note
        data_request_review(request=item, by=secretariat, decision="changes", version=item.version)
    with pytest.raises(PermissionDenied):
        data_request_review(
            request=item, by=opd_operator, decision="changes", note="x", version=item.version
        )
    item = data_request_review(
        request=item,
        by=secretariat,
        decision="changes",
        note="Kurangi kolom: alamat tidak perlu.",
        version=item.version,
    )
    assert item.status == RequestStatus.CHANGES and _open_steps(item) == ["Task_FDS_07"]
    edit = {
        "programme": "KJP PLUS",
        "purpose": "Penyaluran",
        "legal_basis": "Pergub",
        "criteria": {"desil": [1, 2]},
        "fields": ["name", "desil"],
    }
    stale = item.version - 1
    with pytest.raises(ConcurrentEditError):
        data_request_update(request=item, by=opd_operator, version=stale, **edit)
    item = data_request_update(request=item, by=opd_operator, version=item.version, **edit)
    assert item.criteria == {"desil": [1, 2]} and item.fields == ["name", "desil"]
    item = data_request_submit(request=item, by=opd_operator, version=item.version)
    assert item.status == RequestStatus.SUBMITTED and _open_steps(item) == ["Task_FDS_08"]
    with pytest.raises(ValidationError):  # no edits once submitted
        data_request_update(request=item, by=opd_operator, version=item.version, **edit)


def test_a_rejected_request_cancels_its_process(opd_operator: User, secretariat: User) -> None:
    item = _file(opd_operator)
    with pytest.raises(ValidationError):
        data_request_review(request=item, by=secretariat, decision="reject", version=item.version)
    item = data_request_review(
        request=item,
        by=secretariat,
        decision="reject",
        note="Dasar hukum tidak memadai.",
        version=item.version,
    )
    assert item.status == RequestStatus.REJECTED and item.review_note.startswith("Dasar")
    assert item.instance is not None
    item.instance.refresh_from_db()
    assert item.instance.status == InstanceStatus.CANCELLED
    assert _open_steps(item) == []


def test_only_requested_fields_and_requested_identifiers_are_approved(
    opd_operator: User, secretariat: User
) -> None:
    item = _file(opd_operator)
    with pytest.raises(ValidationError):
        _approve(item, secretariat, approved_fields=["name", "address"])
    with pytest.raises(ValidationError):
        _approve(item, secretariat, identifiers_approved=True)
    with pytest.raises(ConcurrentEditError):
        _approve(item, secretariat, version=item.version + 5)
    item = _approve(item, secretariat)
    assert item.status == RequestStatus.APPROVED
    assert item.approved_fields == ["nik", "name", "kelurahan_code", "desil"]
    assert _open_steps(item) == ["Task_FDS_09"]


# --- the extract -------------------------------------------------------------------------------


def test_the_extract_holds_only_the_approved_fields_and_the_matching_rows_masked(
    targets: SmallTargets, opd_operator: User, secretariat: User, data_steward: User
) -> None:
    with pytest.raises(PermissionDenied):
        _extracted(opd_operator, secretariat, opd_operator)
    item = DataRequest.objects.get()
    item = data_request_extract(request=item, by=data_steward)
    assert item.status == RequestStatus.EXTRACTED and item.release == targets.release
    assert item.expires_at == item.extracted_at + timedelta(days=14)  # type: ignore[operator]
    assert _open_steps(item) == ["Task_FDS_10"]
    frame = pl.read_parquet(item.extract_path)
    assert frame.columns == ["nik", "name", "kelurahan_code", "desil", "watermark"]
    expected = _expected(targets.release, CRITERIA, timezone.localdate())
    assert 0 < frame.height == expected.height == item.extract_rows
    assert sorted(frame["name"].to_list()) == sorted(expected["name"].to_list())
    assert all(MASKED_ID.match(v) for v in frame["nik"].to_list())
    assert sorted(frame["nik"].str.slice(-4).to_list()) == sorted(
        expected["nik"].str.slice(-4).to_list()
    )
    assert set(frame["watermark"].to_list()) == {item.number}
    event = AuditEvent.objects.get(action="targeting.extract_produced")
    assert event.detail["rows"] == frame.height and "nik" not in str(event.detail.get("values"))


def test_full_identifiers_are_given_only_when_the_purpose_needs_them_and_they_are_approved(
    targets: SmallTargets, opd_operator: User, secretariat: User, data_steward: User
) -> None:
    item = _file(opd_operator, needs_identifiers=True)
    item = _approve(item, secretariat, approved_fields=["nik", "kk"], identifiers_approved=True)
    item = data_request_extract(request=item, by=data_steward)
    frame = pl.read_parquet(item.extract_path)
    expected = _expected(targets.release, CRITERIA, timezone.localdate())
    assert sorted(frame["nik"].to_list()) == sorted(expected["nik"].to_list())
    assert frame["kk"].str.contains(r"^\d{16}$").all()


def test_household_criteria_select_whole_households_by_their_members(
    targets: SmallTargets,
) -> None:
    on = date(2026, 7, 1)
    persons = pl.read_parquet(targets.release.persons_path)
    aged = persons.with_columns(_age(persons, on).alias("age"))
    households = aged.group_by("kk").agg(
        pl.len().alias("size"),
        (pl.col("age") < 6).any().alias("child"),
        (pl.col("age") >= 60).any().alias("elder"),
    )
    criteria = {"head_only": True, "household_size_min": 3, "with_children_under_6": True}
    got = extracts.criteria_filter(persons.lazy(), criteria=criteria, on=on).collect()
    wanted = set(households.filter((pl.col("size") >= 3) & pl.col("child"))["kk"].to_list()) & set(
        persons.filter(pl.col("relationship") == "1")["kk"].to_list()
    )
    assert set(got["kk"].to_list()) == wanted and got.height == len(wanted)
    assert (got["relationship"] == "1").all()
    elderly = extracts.criteria_filter(
        persons.lazy(), criteria={"with_elderly": True, "sex": "P"}, on=on
    ).collect()
    old_kks = set(households.filter(pl.col("elder"))["kk"].to_list())
    assert set(elderly["kk"].to_list()) <= old_kks and (elderly["sex"] == "P").all()


def test_the_column_neutraliser_agrees_with_the_export_rule() -> None:
    values = [EVIL, "+62 812", "-5", "@SUM(A1)", "\tx", "ＡＢ", "＝1", "BUDI", "", None]
    frame = neutralise_frame(pl.DataFrame({"v": values}, schema={"v": pl.String}))
    assert frame["v"].to_list() == [neutralise(v) for v in values]


# --- pages and downloads -----------------------------------------------------------------------


def _csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx(response: Any) -> openpyxl.Workbook:
    data = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(data))


def test_the_opd_downloads_its_extract_watermarked_and_each_download_is_audited_once(
    targets: SmallTargets, opd_operator: User, secretariat: User, data_steward: User
) -> None:
    item = _extracted(opd_operator, secretariat, data_steward)
    client = login(opd_operator)
    page = client.get(reverse("targeting:request", args=[item.pk]))
    assert page.status_code == 200 and b'data-testid="download-xlsx"' in page.content
    response = client.get(reverse("targeting:request_extract", args=[item.pk, "csv"]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    rows = _csv_rows(response)  # header first; the request number on every row
    assert rows[0] == ["nik", "name", "kelurahan_code", "desil", "watermark"]
    assert len(rows) - 1 == item.extract_rows and {r[4] for r in rows[1:]} == {item.number}
    downloads = AuditEvent.objects.filter(action="targeting.extract_downloaded")
    assert downloads.count() == 1
    assert downloads.get().detail == {
        "number": item.number,
        "rows": item.extract_rows,
        "format": "csv",
    }
    book = _xlsx(client.get(reverse("targeting:request_extract", args=[item.pk, "xlsx"])))
    sheet = book.worksheets[0]
    assert item.number in str(sheet["A1"].value)
    assert [c.value for c in sheet[2]] == rows[0]
    niks = [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert len(niks) == item.extract_rows and all(isinstance(n, str) for n in niks)
    assert downloads.count() == 2
    assert (
        client.get(reverse("targeting:request_extract", args=[item.pk, "pdf"])).status_code == 404
    )


def test_an_expired_extract_is_refused_and_no_download_is_recorded(
    targets: SmallTargets, opd_operator: User, secretariat: User, data_steward: User
) -> None:
    item = _extracted(opd_operator, secretariat, data_steward)
    assert item.expires_at is not None
    with time_machine.travel(item.expires_at + timedelta(minutes=1)):
        client = login(opd_operator)  # a fresh session: the old one would have expired too
        response = client.get(reverse("targeting:request_extract", args=[item.pk, "xlsx"]))
        assert response.status_code == 403
        assert b'data-testid="extract-refused"' in response.content
        assert not hasattr(response, "streaming_content")
        page = client.get(reverse("targeting:request", args=[item.pk]))
        assert b'data-testid="extract-expired"' in page.content
        assert b'data-testid="download-xlsx"' not in page.content
        preview = client.get(reverse("targeting:request_preview", args=[item.pk]))
        assert preview.status_code == 403
    assert not AuditEvent.objects.filter(action="targeting.extract_downloaded").exists()
    assert AuditEvent.objects.filter(action="targeting.extract_refused").count() == 2


def test_another_opd_gets_404_and_an_outsider_is_refused_on_every_page(
    extracted: DataRequest,
    opd_operator: User,
    other_opd_operator: User,
    as_outsider: Client,
    as_verifier: Client,
) -> None:
    item = extracted
    secretariat, data_steward = User.objects.get(username="rina"), User.objects.get(username="agus")
    other = login(other_opd_operator)
    listing = other.get(reverse("targeting:requests"))
    assert listing.status_code == 200 and item.number.encode() not in listing.content
    assert item.number.encode() in login(opd_operator).get(reverse("targeting:requests")).content
    pages = [
        ("get", reverse("targeting:request", args=[item.pk])),
        ("get", reverse("targeting:request_edit", args=[item.pk])),
        ("get", reverse("targeting:request_extract", args=[item.pk, "csv"])),
        ("get", reverse("targeting:request_extract", args=[item.pk, "xlsx"])),
        ("get", reverse("targeting:request_preview", args=[item.pk])),
        ("post", reverse("targeting:request_submit", args=[item.pk])),
        ("post", reverse("targeting:request_review", args=[item.pk])),
        ("post", reverse("targeting:request_produce", args=[item.pk])),
        ("post", reverse("targeting:request_return", args=[item.pk])),
        ("post", reverse("targeting:request_close", args=[item.pk])),
    ]
    for method, url in pages:
        assert getattr(other, method)(url).status_code == 404, url
        for refused in (as_outsider, as_verifier):
            assert getattr(refused, method)(url).status_code == 403, url
    for refused in (as_outsider, as_verifier):
        assert refused.get(reverse("targeting:requests")).status_code == 403
        assert refused.get(reverse("targeting:request_new")).status_code == 403
    assert not AuditEvent.objects.filter(action="targeting.extract_downloaded").exists()
    # The secretariat and the data steward see every request; they download too.
    for user in (secretariat, data_steward):
        client = login(user)
        assert client.get(reverse("targeting:request", args=[item.pk])).status_code == 200
        response = client.get(reverse("targeting:request_extract", args=[item.pk, "csv"]))
        assert response.status_code == 200
    assert AuditEvent.objects.filter(action="targeting.extract_downloaded").count() == 2


def test_the_preview_is_masked_and_each_view_writes_an_audit_row(
    targets: SmallTargets, opd_operator: User, secretariat: User, data_steward: User
) -> None:
    item = _extracted(opd_operator, secretariat, data_steward)
    client = login(opd_operator)
    for _ in range(2):
        response = client.get(reverse("targeting:request_preview", args=[item.pk]))
        assert response.status_code == 200
    rows = response.context["rows"]
    names = pl.read_parquet(item.extract_path)["name"].to_list()
    assert rows and all(r[1] != n for r, n in zip(rows, names, strict=False))
    assert "•" in rows[0][1]
    assert AuditEvent.objects.filter(action="targeting.extract_previewed").count() == 2


def _release_with(tmp_path: Path, name: str) -> Release:
    """A release whose first person is called `name` (imported through the real pipeline)."""
    registry = targets_generate(persons=60, beneficiaries=0, seed=11).registry.drop("id")
    registry = registry.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(name))
        .otherwise(pl.col("name"))
        .alias("name"),
        pl.lit(1, dtype=pl.Int8).alias("desil"),
    )
    path = tmp_path / "evil.csv"
    registry.write_csv(path)
    job = import_job_run(
        job=import_job_create(
            path=path, source="DAERAH", as_of=date(2026, 6, 1), mapping={}, by=None
        )
    )
    assert job.status == ImportStatus.DONE, job.message
    assert job.release is not None
    Release.objects.filter(pk=job.release.pk).update(is_current=True)
    return job.release


def test_a_formula_in_a_release_name_comes_out_inert_in_csv_and_xlsx(
    tmp_path: Path, opd_operator: User, secretariat: User, data_steward: User, reference: None
) -> None:
    release = _release_with(tmp_path, EVIL)
    assert EVIL in pl.read_parquet(release.persons_path)["name"].to_list()  # kept as text
    item = _extracted(
        opd_operator,
        secretariat,
        data_steward,
        criteria={"desil": [1]},
        fields=["name", "desil"],
        approved_fields=["name", "desil"],
    )
    client = login(opd_operator)
    rows = _csv_rows(client.get(reverse("targeting:request_extract", args=[item.pk, "csv"])))
    names = [r[0] for r in rows[1:]]
    assert "'" + EVIL in names and EVIL not in names
    book = _xlsx(client.get(reverse("targeting:request_extract", args=[item.pk, "xlsx"])))
    cells = [row[0] for row in book.worksheets[0].iter_rows(min_row=3)]
    evil = [c for c in cells if "HYPERLINK" in str(c.value)]
    assert len(evil) == 1 and evil[0].data_type == "s" and evil[0].value == "'" + EVIL
    assert all(c.data_type != "f" for c in cells)


def test_an_xlsx_extract_above_the_sheet_limit_is_split_into_sheets(
    targets: SmallTargets,
    opd_operator: User,
    secretariat: User,
    data_steward: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item = _extracted(opd_operator, secretariat, data_steward)
    monkeypatch.setattr(extracts, "XLSX_MAX_ROWS", 12)
    monkeypatch.setattr(extracts, "CHUNK_ROWS", 7)  # chunks and sheets do not line up
    response = login(opd_operator).get(reverse("targeting:request_extract", args=[item.pk, "xlsx"]))
    book = _xlsx(response)
    assert len(book.worksheets) == math.ceil(item.extract_rows / 10) > 1
    data: list[tuple[Any, ...]] = []
    for sheet in book.worksheets:
        assert sheet.max_row <= 12 and item.number in str(sheet["A1"].value)
        assert sheet["A2"].value == "nik"
        data.extend(sheet.iter_rows(min_row=3, values_only=True))
    frame = pl.read_parquet(item.extract_path)
    assert [r[0] for r in data] == frame["nik"].to_list()


def test_an_opd_files_through_the_form_which_keeps_its_input_on_errors(
    opd_operator: User, secretariat: User, reference: None
) -> None:
    client = login(opd_operator)
    form = {
        "programme": "Bantuan Lansia",
        "purpose": "Penyaluran bantuan lansia",
        "legal_basis": "Pergub",
        "desil": ["1", "2"],
        "regions": "31.73 31.99.99",
        "age_min": "60",
        "fields": ["name", "kelurahan_code"],
        "submit": "1",
    }
    response = client.post(reverse("targeting:request_new"), form)
    assert response.status_code == 200 and not DataRequest.objects.exists()
    assert b'data-testid="error-regions"' in response.content
    assert b'value="Bantuan Lansia"' in response.content
    form["regions"] = "31.73"
    response = client.post(reverse("targeting:request_new"), form)
    item = DataRequest.objects.get()
    assert response["Location"] == reverse("targeting:request", args=[item.pk])
    assert item.status == RequestStatus.SUBMITTED
    assert item.criteria == {"desil": [1, 2], "regions": ["31.73"], "age_min": 60}
    reviewer = login(secretariat)
    page = reviewer.get(reverse("targeting:request", args=[item.pk]))
    assert b'data-testid="review-form"' in page.content
    refused = reviewer.post(
        reverse("targeting:request_review", args=[item.pk]),
        {"decision": "reject", "valid_days": "30", "version": item.version},
    )
    assert refused.status_code == 422 and b'data-testid="error-note"' in refused.content
    done = reviewer.post(
        reverse("targeting:request_review", args=[item.pk]),
        {
            "decision": "approve",
            "approved_fields": ["name"],
            "valid_days": "7",
            "version": item.version,
        },
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == RequestStatus.APPROVED and item.approved_fields == ["name"]


def test_the_returned_beneficiary_list_is_linked_and_its_counts_go_back_to_the_opd(
    extracted: DataRequest,
    targets: SmallTargets,
    opd_operator: User,
    data_steward: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tkpk.targeting import services_lists  # noqa: PLC0415

    item = extracted
    client = login(opd_operator)
    content = targets.beneficiaries.write_csv().encode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("targeting:request_return", args=[item.pk]),
            {
                "file": SimpleUploadedFile("penerima.csv", content, content_type="text/csv"),
                "year": "2026",
                "quarter": "3",
                "mapping": "",
            },
        )
    assert response.status_code == 302, response.content[:2000]
    assert len(callbacks) == 1
    item.refresh_from_db()
    assert item.status == RequestStatus.RETURNED and _open_steps(item) == ["Task_FDS_11"]
    blist = item.returned_lists.get()
    assert blist.organisation == opd_operator.organisation and blist.release == item.release
    with pytest.raises(ValidationError):  # not linked yet
        data_request_close(request=item, by=data_steward)
    blist = services_lists.beneficiary_list_link(blist=blist)  # what the worker does
    page = client.get(reverse("targeting:request", args=[item.pk]))
    assert f'data-testid="balikan-exact">{blist.matched_exact}<'.encode() in page.content
    assert f'data-testid="balikan-unmatched">{blist.unmatched}<'.encode() in page.content
    item = data_request_close(request=item, by=data_steward)
    assert item.status == RequestStatus.CLOSED
    assert item.instance is not None
    item.instance.refresh_from_db()
    assert item.instance.status == InstanceStatus.COMPLETED
