"""The quarterly report pages: the OPD fills (autosave and plain save) and submits through the
rules, the secretariat verifies, follow-ups and beneficiary lists, and who may see what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import login
from tkpk.accounts.models import Organisation, User
from tkpk.core.roles import Role
from tkpk.monitoring.models import (
    FollowUp,
    FollowUpStatus,
    Instrument,
    QuarterReport,
    ReportState,
    ReportValue,
    ValueChange,
)
from tkpk.monitoring.services_reports import report_submit, report_value_save
from tkpk.monitoring.tests import factories
from tkpk.monitoring.tests.factories import (
    instrument_published,
    open_quarter,
    report_of,
    user_with_role,
)
from tkpk.targeting.models import BeneficiaryList

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _row_data(value: ReportValue, lock_version: int | None = None, **fields: str) -> dict[str, Any]:
    """The POST of one row's form (its fields carry the value's prefix)."""
    data = {
        "lock_version": str(value.lock_version if lock_version is None else lock_version),
        "physical": "",
        "budget": "",
        "beneficiaries": "",
        "problems": "",
        "drivers": "",
        "explanation": "",
        **fields,
    }
    return {f"v{value.pk}-{k}": v for k, v in data.items()}


def _save_url(value: ReportValue) -> str:
    return reverse("monitoring:report_value", args=[value.report_id, value.pk])


def _report_url(report: QuarterReport) -> str:
    return reverse("monitoring:report", args=[report.pk])


@pytest.fixture
def two_row_instrument(
    monkeypatch: pytest.MonkeyPatch,
    reference: None,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> Instrument:
    """Like ``instrument`` with a second Dinsos row (P3.1.1), so a return can reopen one row."""
    rows = [
        *factories.ROWS,
        ("P3", "Dinsos", "Lansia penerima ATENSI", "higher", ["50", "100", "150", "200"], "40"),
    ]
    monkeypatch.setattr(factories, "ROWS", rows)
    return instrument_published(
        secretariat=secretariat,
        ketua=user_with_role("hendra", Role.KETUA),
        operators={"Dinsos": opd_operator, "Disdik": other_opd_operator},
    )


def test_an_opd_fills_its_row_and_submits_the_report_through_the_pages(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    client = login(opd_operator)
    page = client.get(_report_url(report))
    assert page.status_code == 200
    assert b'data-testid="row-P1.1.1"' in page.content
    assert b'data-testid="row-P2.1.1"' not in page.content  # Disdik's row
    saved = client.post(
        _save_url(value),
        _row_data(
            value,
            physical="280",
            budget="150.000.000",
            beneficiaries="280",
            **{"desil_1": "200", "desil_2": "80", "sex_L": "130", "sex_P": "150"},
            problems="Data terlambat",
        ),
    )
    assert saved.status_code == 302
    value.refresh_from_db()
    assert value.physical == 280 and value.budget == 150_000_000
    assert value.beneficiaries_by_desil == {"1": 200, "2": 80}
    assert value.beneficiaries_by_sex == {"L": 130, "P": 150}
    assert str(value.achievement) == "93.33"
    submitted = client.post(reverse("monitoring:report_submit", args=[report.pk]))
    assert submitted.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and report.submitted_by == opd_operator
    after = client.get(_report_url(report))
    assert b'data-state="submitted"' in after.content
    assert (
        b'data-editable="0"' in after.content
        and b'data-testid="submit-report"' not in after.content
    )


def test_an_autosave_answers_with_the_row_status_its_new_version_and_achievement(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    response = login(opd_operator).post(
        _save_url(value), _row_data(value, physical="150"), headers=HTMX
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    value.refresh_from_db()
    assert value.physical == 150
    assert f'data-lock-version="{value.lock_version}"'.encode() in response.content
    assert b'data-achievement="50.00"' in response.content and b'data-saved="1"' in response.content
    assert (
        f'name="v{value.pk}-lock_version" value="{value.lock_version}"'.encode() in response.content
    )
    assert b'data-predicate="SR"' in response.content
    assert b'data-changes="1"' in response.content  # the history part shows the change
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT


def test_a_stale_autosave_is_refused_in_the_row_and_the_typed_values_are_kept(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    opened_at = value.lock_version
    report_value_save(
        value=value, by=opd_operator, lock_version=opened_at, data={"physical": "100"}
    )
    client = login(opd_operator)
    partial = client.post(
        _save_url(value), _row_data(value, lock_version=opened_at, physical="777"), headers=HTMX
    )
    assert partial.status_code == 200 and b'data-conflict="1"' in partial.content
    assert f'data-lock-version="{opened_at}"'.encode() in partial.content  # not the new one
    full = client.post(_save_url(value), _row_data(value, lock_version=opened_at, physical="777"))
    assert full.status_code == 409
    assert b'data-testid="conflict"' in full.content
    assert f'name="v{value.pk}-physical" value="777"'.encode() in full.content
    value.refresh_from_db()
    assert value.physical == 100


def test_a_row_with_bad_input_keeps_what_was_typed_and_saves_nothing(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    response = login(opd_operator).post(
        _save_url(value),
        _row_data(value, physical="dua ratus", beneficiaries="10", desil_1="50"),
    )
    assert response.status_code == 400
    assert f'name="v{value.pk}-physical" value="dua ratus"'.encode() in response.content
    over = login(opd_operator).post(
        _save_url(value), _row_data(value, beneficiaries="10", desil_1="50"), headers=HTMX
    )
    assert b'data-testid="row-errors"' in over.content  # the desil breakdown exceeds the total
    value.refresh_from_db()
    assert value.physical is None and value.beneficiaries is None
    assert not ValueChange.objects.filter(value=value).exists()


def test_the_rules_block_and_warn_on_the_page_until_the_row_is_explained(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    client = login(opd_operator)
    submit = reverse("monitoring:report_submit", args=[report.pk])
    client.post(_save_url(value), _row_data(value, physical="10"))  # no budget yet
    blocked = client.post(submit)
    assert blocked.status_code == 400
    assert b'data-testid="row-rule-errors"' in blocked.content
    assert b'data-rule="realisasi-wajib"' in blocked.content
    value.refresh_from_db()
    client.post(_save_url(value), _row_data(value, physical="100", budget="1000"))  # 33 %
    warned = client.post(submit)
    assert warned.status_code == 400
    assert b'data-rule="penjelasan-capaian"' in warned.content
    assert b'data-testid="row-rule-errors"' not in warned.content
    value.refresh_from_db()
    client.post(
        _save_url(value),
        _row_data(value, physical="100", budget="1000", explanation="Penyaluran mundur ke TW II"),
    )
    assert client.post(submit).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED


def test_another_opd_gets_404_on_the_report_its_rows_and_its_excel(
    instrument: Instrument, other_opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    client = login(other_opd_operator)
    assert client.get(_report_url(report)).status_code == 404
    assert client.post(_save_url(value), _row_data(value, physical="1")).status_code == 404
    assert client.get(reverse("monitoring:report_xlsx", args=[report.pk])).status_code == 404
    assert client.post(reverse("monitoring:report_upload", args=[report.pk])).status_code == 404
    assert client.post(reverse("monitoring:report_submit", args=[report.pk])).status_code == 404
    own = report_of(report.period, "Disdik")
    # Its own report with the other OPD's row in the URL: still 404.
    assert (
        client.post(
            reverse("monitoring:report_value", args=[own.pk, value.pk]),
            _row_data(value, physical="1"),
        ).status_code
        == 404
    )
    listed = client.get(reverse("monitoring:reports"))
    assert f'data-report="{own.pk}"'.encode() in listed.content
    assert f'data-report="{report.pk}"'.encode() not in listed.content
    value.refresh_from_db()
    assert value.physical is None


def test_the_outsider_is_refused_on_every_report_page(
    instrument: Instrument, outsider: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    client = login(outsider)
    assert client.get(reverse("monitoring:reports")).status_code == 404
    assert client.get(_report_url(report)).status_code == 404
    assert client.get(reverse("monitoring:report_xlsx", args=[report.pk])).status_code == 404
    assert client.post(_save_url(value), _row_data(value, physical="1")).status_code == 404
    assert client.post(reverse("monitoring:report_verify", args=[report.pk])).status_code == 404
    anonymous = Client().get(_report_url(report))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))


def test_the_secretariat_sees_every_report_filters_them_and_cannot_edit_values(
    instrument: Instrument, secretariat: User, opd_operator: User
) -> None:
    period = open_quarter(instrument, 1)
    dinsos, disdik = report_of(period, "Dinsos"), report_of(period, "Disdik")
    client = login(secretariat)
    listed = client.get(reverse("monitoring:reports"))
    assert f'data-report="{dinsos.pk}"'.encode() in listed.content
    assert f'data-report="{disdik.pk}"'.encode() in listed.content
    opd = Organisation.objects.get(acronym="Disdik")
    filtered = client.get(reverse("monitoring:reports"), {"year": "2028", "opd": opd.pk})
    assert f'data-report="{dinsos.pk}"'.encode() not in filtered.content
    assert f'data-report="{disdik.pk}"'.encode() in filtered.content
    page = client.get(_report_url(dinsos))
    assert page.status_code == 200 and b'data-editable="0"' in page.content
    value = dinsos.values.get()
    assert client.post(_save_url(value), _row_data(value, physical="5")).status_code == 403


def test_a_returned_report_reopens_only_the_commented_rows(
    two_row_instrument: Instrument, secretariat: User, opd_operator: User
) -> None:
    report = report_of(open_quarter(two_row_instrument, 1), "Dinsos")
    for value in report.values.all():
        report_value_save(
            value=value,
            by=opd_operator,
            lock_version=value.lock_version,
            data={"physical": str(value.row.target_q1), "budget": "1000"},
        )
    report_submit(report=report, by=opd_operator)
    p1, p3 = report.values.get(row__code="P1.1.1"), report.values.get(row__code="P3.1.1")
    verifier = login(secretariat)
    page = verifier.get(_report_url(report))
    assert b'data-testid="verify-form"' in page.content
    assert f'name="row_{p1.pk}"'.encode() in page.content
    empty_return = verifier.post(
        reverse("monitoring:report_verify", args=[report.pk]), {"decision": "return"}
    )
    assert empty_return.status_code == 400  # a return must say what to revise
    returned = verifier.post(
        reverse("monitoring:report_verify", args=[report.pk]),
        {"decision": "return", "comment": "", f"row_{p1.pk}": "Lampirkan daftar penerima"},
    )
    assert returned.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED
    client = login(opd_operator)
    page = client.get(_report_url(report))
    content = page.content.decode()
    assert f'data-code="P1.1.1" data-value="{p1.pk}" data-editable="1" data-returned="1"' in content
    assert f'data-code="P3.1.1" data-value="{p3.pk}" data-editable="0" data-returned="0"' in content
    p3.refresh_from_db()
    refused = client.post(_save_url(p3), _row_data(p3, physical="1", budget="1"))
    assert refused.status_code == 400
    p3.refresh_from_db()
    assert p3.physical == 50
    p1.refresh_from_db()
    assert (
        client.post(
            _save_url(p1), _row_data(p1, physical="300", budget="2000", problems="Sudah")
        ).status_code
        == 302
    )


def test_the_secretariat_accepts_a_submitted_report_on_the_page(
    instrument: Instrument, secretariat: User, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    factories.fill(report, opd_operator, physical="300", budget="1000")
    report_submit(report=report, by=opd_operator)
    assert (
        login(opd_operator)
        .post(reverse("monitoring:report_verify", args=[report.pk]), {"decision": "accept"})
        .status_code
        == 403
    )
    response = login(secretariat).post(
        reverse("monitoring:report_verify", args=[report.pk]), {"decision": "accept"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.ACCEPTED and report.verified_by == secretariat


def test_an_opd_records_and_closes_a_follow_up_of_its_row(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    client = login(opd_operator)
    url = reverse("monitoring:report_follow_up", args=[report.pk])
    missing_row = client.post(
        url,
        {"fu-text": "Verifikasi ulang data", "fu-owner": report.opd_id, "fu-due_on": "2028-05-01"},
    )
    assert missing_row.status_code == 400 and b"Verifikasi ulang data" in missing_row.content
    created = client.post(
        url,
        {
            "fu-text": "Verifikasi ulang data",
            "fu-owner": report.opd_id,
            "fu-due_on": "2028-05-01",
            "fu-value": value.pk,
        },
    )
    assert created.status_code == 302
    item = FollowUp.objects.get()
    assert item.owner_id == report.opd_id and item.value == value
    page = client.get(_report_url(report))
    assert f'data-follow-up="{item.pk}" data-status="open"'.encode() in page.content
    closed = client.post(
        reverse("monitoring:report_follow_up_close", args=[report.pk, item.pk]),
        {
            f"close{item.pk}-note": "Sudah diverifikasi",
            f"close{item.pk}-lock_version": item.lock_version,
        },
    )
    assert closed.status_code == 302
    item.refresh_from_db()
    assert item.status == FollowUpStatus.CLOSED and item.closing_note == "Sudah diverifikasi"


def test_a_rows_beneficiary_list_is_filed_for_linkage_and_shown_on_the_row(
    instrument: Instrument,
    opd_operator: User,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tkpk.targeting.tests.factories import release_make  # noqa: PLC0415 (slow data)

    settings.MEDIA_ROOT = tmp_path / "media"
    targets = release_make(tmp_path, persons=60, beneficiaries=15)
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    path = tmp_path / "penerima.csv"
    targets.beneficiaries.write_csv(path)
    client = login(opd_operator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("monitoring:report_value_list", args=[report.pk, value.pk]),
            {
                f"list{value.pk}-file": SimpleUploadedFile("penerima.csv", path.read_bytes()),
                f"list{value.pk}-mapping": "",
            },
        )
    assert response.status_code == 302
    blist = BeneficiaryList.objects.get()
    assert blist.organisation_id == report.opd_id
    assert (blist.year, blist.quarter) == (2028, 1) and "P1.1.1" in blist.programme
    assert len(callbacks) == 1
    page = client.get(_report_url(report))
    assert reverse("targeting:list", args=[blist.pk]).encode() in page.content
