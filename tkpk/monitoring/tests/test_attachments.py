"""Attachments of the quarterly report: the OPD attaches files to its report or a row while it is
open for changes, who may download them (each download audited), which files are refused, and
the validation rules edited on the administration screen."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from docx import Document
from PIL import Image

from conftest import login
from tkpk.accounts.models import User
from tkpk.core.models import AuditEvent
from tkpk.core.roles import Role
from tkpk.monitoring.models import (
    Instrument,
    QuarterReport,
    ReportAttachment,
    ReportState,
    ValidationRule,
)
from tkpk.monitoring.services_attachments import (
    ATTACHMENT_MAX_BYTES,
    attachment_add,
    attachment_remove,
)
from tkpk.monitoring.services_reports import (
    period_lock,
    report_check,
    report_submit,
    report_value_save,
    report_verify,
)
from tkpk.monitoring.tests import factories
from tkpk.monitoring.tests.factories import (
    fill,
    instrument_published,
    open_quarter,
    report_of,
    user_with_role,
)

pytestmark = pytest.mark.django_db

# A small, complete PDF (one empty page) as a PDF writer produces it.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _docx() -> bytes:
    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("Berita acara penyaluran bantuan")
    document.save(buffer)
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["Kelurahan", "Penerima"])  # type: ignore[union-attr]
    book.save(buffer)
    return buffer.getvalue()


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def _stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


def _report_url(report: QuarterReport) -> str:
    return reverse("monitoring:report", args=[report.pk])


def _add_url(report: QuarterReport) -> str:
    return reverse("monitoring:report_attachment_add", args=[report.pk])


def _download_url(attachment: ReportAttachment) -> str:
    return reverse("monitoring:report_attachment", args=[attachment.report_id, attachment.pk])


def _remove_url(attachment: ReportAttachment) -> str:
    return reverse(
        "monitoring:report_attachment_remove", args=[attachment.report_id, attachment.pk]
    )


def _post_file(
    client: Client, report: QuarterReport, name: str, content: bytes, row: int | str = ""
) -> Any:
    return client.post(
        _add_url(report),
        {"attachment-file": _upload(name, content), "attachment-value": str(row)},
    )


def _dinsos_report(instrument: Instrument) -> QuarterReport:
    return report_of(open_quarter(instrument, 1), "Dinsos")


def _submitted(report: QuarterReport, by: User) -> QuarterReport:
    fill(report, by, physical="300", budget="100000000", beneficiaries="300")
    return report_submit(report=report, by=by)


# --- the OPD attaches, sees and downloads -------------------------------------------------------


def test_an_opd_attaches_a_pdf_to_its_report_and_to_a_row_and_downloads_both(
    instrument: Instrument, opd_operator: User, media: Path
) -> None:
    report = _dinsos_report(instrument)
    value = report.values.get()
    client = login(opd_operator)
    assert b'data-testid="attachment-form"' in client.get(_report_url(report)).content

    whole = _post_file(client, report, "Laporan TW1.pdf", PDF)
    on_row = _post_file(client, report, "Foto penyaluran.pdf", PDF, row=value.pk)

    assert whole.status_code == 302 and on_row.status_code == 302
    attachments = list(report.attachments.order_by("id"))
    assert [(a.name, a.value_id) for a in attachments] == [
        ("Laporan TW1.pdf", None),
        ("Foto penyaluran.pdf", value.pk),
    ]
    assert all(a.content_type == "application/pdf" and a.size == len(PDF) for a in attachments)
    assert all(a.uploaded_by == opd_operator for a in attachments)
    # Stored under a random name inside the attachments folder, not the uploaded name.
    assert all(a.file.name.startswith("monitoring/lampiran/") for a in attachments)
    assert len(_stored_files(media)) == 2
    assert AuditEvent.objects.filter(action="monitoring.attachment_added").count() == 2

    page = client.get(_report_url(report))
    assert b'data-count="2"' in page.content
    assert f'data-attachment="{attachments[1].pk}" data-row="P1.1.1"'.encode() in page.content
    for attachment in attachments:
        assert f'data-testid="attachment-remove-{attachment.pk}"'.encode() in page.content
        response = client.get(_download_url(attachment))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert response["Cache-Control"] == "no-store"


def test_each_download_writes_an_audit_row(
    instrument: Instrument, opd_operator: User, secretariat: User
) -> None:
    report = _dinsos_report(instrument)
    attachment = attachment_add(report=report, by=opd_operator, upload=_upload("a.pdf", PDF))
    login(opd_operator).get(_download_url(attachment))
    login(opd_operator).get(_download_url(attachment))
    login(secretariat).get(_download_url(attachment))

    downloads = AuditEvent.objects.filter(
        action="monitoring.attachment_downloaded", object_id=str(attachment.pk)
    ).order_by("id")
    assert [e.actor_username for e in downloads] == ["budi", "budi", "rina"]
    assert all(e.object_type == "monitoring.reportattachment" for e in downloads)


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        ("foto.png", _png, "image/png"),
        ("berita-acara.docx", _docx, "wordprocessingml.document"),
        ("rekap.xlsx", _xlsx, "spreadsheetml.sheet"),
    ],
)
def test_images_word_and_excel_files_are_accepted(
    instrument: Instrument, opd_operator: User, name: str, make: Any, content_type: str
) -> None:
    report = _dinsos_report(instrument)
    content = make()
    attachment = attachment_add(report=report, by=opd_operator, upload=_upload(name, content))
    assert content_type in attachment.content_type
    response = login(opd_operator).get(_download_url(attachment))
    assert b"".join(response.streaming_content) == content  # type: ignore[attr-defined]


# --- who may see, upload and download ------------------------------------------------------------


def test_another_opd_gets_404_on_download_upload_and_remove(
    instrument: Instrument, opd_operator: User, other_opd_operator: User, media: Path
) -> None:
    report = _dinsos_report(instrument)
    attachment = attachment_add(report=report, by=opd_operator, upload=_upload("a.pdf", PDF))
    client = login(other_opd_operator)

    assert client.get(_download_url(attachment)).status_code == 404
    assert _post_file(client, report, "b.pdf", PDF).status_code == 404
    assert client.post(_remove_url(attachment)).status_code == 404

    assert list(report.attachments.all()) == [attachment]
    assert len(_stored_files(media)) == 1
    assert not AuditEvent.objects.filter(action="monitoring.attachment_downloaded").exists()


def test_an_outsider_is_refused_on_every_attachment_url(
    instrument: Instrument, opd_operator: User, outsider: User
) -> None:
    report = _dinsos_report(instrument)
    attachment = attachment_add(report=report, by=opd_operator, upload=_upload("a.pdf", PDF))
    client = login(outsider)

    assert client.get(_download_url(attachment)).status_code == 404
    assert _post_file(client, report, "b.pdf", PDF).status_code == 404
    assert client.post(_remove_url(attachment)).status_code == 404
    anonymous = Client().get(_download_url(attachment))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert report.attachments.count() == 1


def test_the_secretariat_and_the_ketua_download_but_do_not_attach_and_other_readers_do_not_download(
    instrument: Instrument, opd_operator: User, secretariat: User
) -> None:
    report = _dinsos_report(instrument)
    attachment = attachment_add(report=report, by=opd_operator, upload=_upload("a.pdf", PDF))
    ketua = User.objects.get(username="hendra")
    drafting = user_with_role("tono", Role.TIM_PENYUSUN)

    for reader in (secretariat, ketua):
        client = login(reader)
        page = client.get(_report_url(report))
        assert b'data-testid="attachments"' in page.content
        assert b'data-testid="attachment-form"' not in page.content
        assert f'data-testid="attachment-remove-{attachment.pk}"'.encode() not in page.content
        assert client.get(_download_url(attachment)).status_code == 200
        assert _post_file(client, report, "b.pdf", PDF).status_code == 403
        assert client.post(_remove_url(attachment)).status_code == 403

    client = login(drafting)
    page = client.get(_report_url(report))
    assert page.status_code == 200 and b'data-testid="attachments"' not in page.content
    assert client.get(_download_url(attachment)).status_code == 403
    assert report.attachments.count() == 1


# --- refused files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("laporan.pdf", b"PK\x03\x04 this is really a zip, not a PDF"),  # fake PDF
        ("laporan.pdf", b"<html><script>alert(1)</script></html>"),
        ("foto.jpg", PDF),
        ("berita-acara.docx", b"PK\x03\x04" + b"\x00" * 40),  # not a ZIP package at all
        ("laporan.exe", b"MZ\x90\x00"),
        ("kosong.pdf", b""),
    ],
)
def test_a_file_whose_content_or_type_is_wrong_is_refused_with_an_error_and_nothing_is_stored(
    instrument: Instrument, opd_operator: User, media: Path, name: str, content: bytes
) -> None:
    report = _dinsos_report(instrument)
    client = login(opd_operator)

    response = _post_file(client, report, name, content)

    assert response.status_code == 400
    assert b'data-testid="attachment-file-error"' in response.content
    assert not ReportAttachment.objects.exists()
    assert _stored_files(media) == []
    with pytest.raises(ValidationError) as refused:
        attachment_add(report=report, by=opd_operator, upload=_upload(name, content))
    assert "file" in refused.value.message_dict
    assert not ReportAttachment.objects.exists()


def test_an_xlsx_renamed_to_docx_is_refused(instrument: Instrument, opd_operator: User) -> None:
    report = _dinsos_report(instrument)
    with pytest.raises(ValidationError, match=r"\w"):
        attachment_add(report=report, by=opd_operator, upload=_upload("surat.docx", _xlsx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "not an office file")
    with pytest.raises(ValidationError):
        attachment_add(
            report=report, by=opd_operator, upload=_upload("rekap.xlsx", buffer.getvalue())
        )
    assert not report.attachments.exists()


def test_a_file_over_10_mb_is_refused_and_nothing_is_stored(
    instrument: Instrument, opd_operator: User, media: Path
) -> None:
    report = _dinsos_report(instrument)
    big = PDF + b"\n%" + b"x" * (ATTACHMENT_MAX_BYTES - len(PDF))

    response = _post_file(login(opd_operator), report, "besar.pdf", big)

    assert len(big) > ATTACHMENT_MAX_BYTES
    assert response.status_code == 400
    assert b'data-testid="attachment-file-error"' in response.content
    assert not ReportAttachment.objects.exists()
    assert _stored_files(media) == []
    exactly = PDF + b"%" * (ATTACHMENT_MAX_BYTES - len(PDF))
    assert attachment_add(report=report, by=opd_operator, upload=_upload("pas.pdf", exactly)).size


def test_the_uploaded_name_is_kept_without_folders(
    instrument: Instrument, opd_operator: User
) -> None:
    report = _dinsos_report(instrument)
    attachment = attachment_add(
        report=report, by=opd_operator, upload=_upload("..\\..\\etc\\Laporan\x07.pdf", PDF)
    )
    assert attachment.name == "Laporan.pdf"
    response = login(opd_operator).get(_download_url(attachment))
    assert 'filename="Laporan.pdf"' in response["Content-Disposition"]


# --- after submission and lock ------------------------------------------------------------------


def test_after_submission_the_opd_cannot_add_or_remove_until_the_report_is_returned(
    instrument: Instrument,
    opd_operator: User,
    secretariat: User,
    media: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = _dinsos_report(instrument)
    kept = attachment_add(report=report, by=opd_operator, upload=_upload("a.pdf", PDF))
    report = _submitted(report, opd_operator)
    client = login(opd_operator)

    page = client.get(_report_url(report))
    assert b'data-testid="attachment-form"' not in page.content
    assert f'data-testid="attachment-remove-{kept.pk}"'.encode() not in page.content
    assert _post_file(client, report, "b.pdf", PDF).status_code == 400
    refused = client.post(_remove_url(kept))
    assert refused.status_code == 400 and b'data-testid="general-errors"' in refused.content
    assert list(report.attachments.all()) == [kept]
    assert len(_stored_files(media)) == 1

    report_verify(report=report, by=secretariat, decision="return", comment="Lengkapi bukti.")
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED
    assert _post_file(client, report, "b.pdf", PDF).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(_remove_url(kept))
    assert removed.status_code == 302
    assert [a.name for a in report.attachments.all()] == ["b.pdf"]
    assert len(_stored_files(media)) == 1  # the removed file is gone from the disk
    removal = AuditEvent.objects.get(action="monitoring.attachment_removed")
    assert removal.actor_username == "budi" and removal.detail["sha256"] == kept.sha256


def test_a_returned_report_reopens_attachments_only_on_its_commented_rows(
    monkeypatch: pytest.MonkeyPatch,
    reference: None,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> None:
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
    report = _dinsos_report(instrument)
    fill(
        report,
        opd_operator,
        physical="300",
        budget="1000000",
        beneficiaries="40",
        explanation="Sesuai data penyaluran.",
    )
    report_submit(report=report, by=opd_operator)
    report_verify(
        report=report,
        by=secretariat,
        decision="return",
        row_comments={"P3.1.1": "Lampirkan daftar hadir."},
    )
    report.refresh_from_db()
    commented = report.values.get(row__code="P3.1.1")
    untouched = report.values.get(row__code="P1.1.1")

    assert attachment_add(
        report=report, by=opd_operator, upload=_upload("a.pdf", PDF), value=commented
    )
    assert attachment_add(report=report, by=opd_operator, upload=_upload("b.pdf", PDF))
    with pytest.raises(ValidationError):
        attachment_add(
            report=report, by=opd_operator, upload=_upload("c.pdf", PDF), value=untouched
        )
    page = login(opd_operator).get(_report_url(report)).content.decode()
    choices = page.split('id="id_attachment-value"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{commented.pk}"' in choices
    assert f'<option value="{untouched.pk}"' not in choices


def test_nothing_is_attached_or_removed_after_the_period_is_locked(
    instrument: Instrument, opd_operator: User
) -> None:
    period = open_quarter(instrument, 1)
    report = report_of(period, "Dinsos")
    kept = attachment_add(report=report, by=opd_operator, upload=_upload("a.pdf", PDF))
    period_lock(period=period, by=None, today=period.locks_on)

    with pytest.raises(ValidationError):
        attachment_add(report=report, by=opd_operator, upload=_upload("b.pdf", PDF))
    with pytest.raises(ValidationError):
        attachment_remove(attachment=kept, by=opd_operator)
    assert list(report.attachments.all()) == [kept]
    assert login(opd_operator).get(_download_url(kept)).status_code == 200


def test_a_row_of_another_report_cannot_be_attached_to(
    instrument: Instrument, opd_operator: User
) -> None:
    period = open_quarter(instrument, 1)
    report = report_of(period, "Dinsos")
    foreign = report_of(period, "Disdik").values.get()
    response = _post_file(login(opd_operator), report, "a.pdf", PDF, row=foreign.pk)
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        attachment_add(report=report, by=opd_operator, upload=_upload("a.pdf", PDF), value=foreign)
    assert not ReportAttachment.objects.exists()


# --- the validation rules on the administration screen --------------------------------------------


def _rule_post(rule: ValidationRule, **changes: str) -> dict[str, str]:
    import json  # noqa: PLC0415 (only here)

    data = {
        "code": rule.code,
        "kind": rule.kind,
        "severity": rule.severity,
        "params": json.dumps(rule.params),
        "message": rule.message,
        "is_active": "on" if rule.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_secretariat_changes_a_rules_severity_and_submission_checks_follow_it(
    instrument: Instrument, opd_operator: User, secretariat: User
) -> None:
    report = _dinsos_report(instrument)
    fill(report, opd_operator, physical="100", budget="100000000", beneficiaries="100")
    before = {f.rule: f.severity for f in report_check(report=report)}
    assert before == {"penjelasan-capaian": "warning"}  # achievement 33 %: outside 50–150 %
    rule = ValidationRule.objects.get(code="penjelasan-capaian")
    url = reverse("admin:monitoring_validationrule_change", args=[rule.pk])
    client = login(secretariat)
    assert client.get(reverse("admin:monitoring_validationrule_changelist")).status_code == 200

    response = client.post(
        url, _rule_post(rule, severity="error", params='{"low": "30", "high": "150"}')
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.severity == "error" and rule.params == {"low": "30", "high": "150"}
    assert report_check(report=report) == []  # 33 % is inside the new range
    client.post(url, _rule_post(rule, params='{"low": "50", "high": "150"}'))
    value = report.values.get()
    report_value_save(
        value=value,
        by=opd_operator,
        lock_version=value.lock_version,
        data={"explanation": "Penyaluran tertunda menunggu SK penerima."},
    )
    after = report_check(report=report)
    assert [(f.rule, f.severity) for f in after] == [("penjelasan-capaian", "error")]
    with pytest.raises(ValidationError):
        report_submit(report=report, by=opd_operator)  # an explanation no longer lets it pass
    assert (
        AuditEvent.objects.filter(
            action="admin.change", object_type="monitoring.validationrule", object_id=str(rule.pk)
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ('{"tolerance": "banyak"}', None),
        ('{"tolerance": "-1"}', None),
        ('{"limit": "2"}', None),
        ('["1.1"]', None),
        (None, "%(code)s: penerima %(jumlah)s melebihi target."),
        (None, "%(code)s: lebih dari 110% target."),
    ],
)
def test_a_rule_with_parameters_or_a_message_that_do_not_fit_is_refused(
    instrument: Instrument, secretariat: User, params: str | None, message: str | None
) -> None:
    rule = ValidationRule.objects.get(code="penerima-maks-target")
    before = (rule.params, rule.message)
    changes = {"params": params} if params else {"message": message or ""}
    response = login(secretariat).post(
        reverse("admin:monitoring_validationrule_change", args=[rule.pk]),
        _rule_post(rule, **changes),
    )
    assert response.status_code == 200  # the form again, with the error
    assert b"errorlist" in response.content
    rule.refresh_from_db()
    assert (rule.params, rule.message) == before


def test_only_the_secretariat_edits_rules(
    instrument: Instrument, opd_operator: User, outsider: User
) -> None:
    rule = ValidationRule.objects.get(code="penjelasan-capaian")
    url = reverse("admin:monitoring_validationrule_change", args=[rule.pk])
    for user in (opd_operator, outsider):
        response = login(user).post(url, _rule_post(rule, severity="error"))
        assert response.status_code in (302, 403)
    rule.refresh_from_db()
    assert rule.severity == "warning"
