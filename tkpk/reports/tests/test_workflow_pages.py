"""Drafted, sent, approved by the Ketua, archived: versions, immutability and who sees what."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import login
from tkpk.accounts.models import User
from tkpk.core.models import AuditEvent
from tkpk.core.roles import Role
from tkpk.monitoring.models import Instrument
from tkpk.monitoring.tests.factories import user_with_role
from tkpk.planning.models import Plan, PlanKind
from tkpk.planning.services import plan_create
from tkpk.reports.models import (
    PpkeQuestion,
    Report,
    ReportStatus,
    VersionStatus,
    quarter_required,
)
from tkpk.reports.services import (
    lp2kd_findings,
    ppke_answer_save,
    report_create,
    report_decide,
    report_generate,
    report_recommendations_save,
    report_submit,
    report_version_run,
)
from tkpk.reports.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def generated(report: Report, by: User) -> Report:
    version = report_generate(report=report, by=by)
    assert report_version_run(version=version).status == VersionStatus.DONE
    report.refresh_from_db()
    return report


def test_a_regenerated_draft_gets_version_2_and_an_approved_report_cannot_change(
    locked_q1: Instrument, secretariat: User, ketua: User
) -> None:
    report = generated(
        report_create(kind="lp2kd", year=YEAR, quarter=None, by=secretariat), secretariat
    )
    report_recommendations_save(
        report=report,
        by=secretariat,
        text="Perkuat verifikasi KLJ.",
        lock_version=report.lock_version,
    )
    report = generated(report, secretariat)
    assert report.current_version is not None and report.current_version.number == 2
    assert report.current_version.snapshot["recommendations"] == "Perkuat verifikasi KLJ."
    report_submit(report=report, by=secretariat)
    report_decide(report=report, by=ketua, decision="approve")
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    with pytest.raises(ValidationError):
        report_generate(report=report, by=secretariat)
    with pytest.raises(ValidationError):
        report_recommendations_save(
            report=report, by=secretariat, text="x", lock_version=report.lock_version
        )
    with pytest.raises(ValidationError):
        report_decide(report=report, by=ketua, decision="return", note="lagi")
    assert report.versions.count() == 2
    findings = lp2kd_findings(year=YEAR)
    assert "Perkuat verifikasi KLJ." in findings and "Dinsos" in findings
    assert lp2kd_findings(year=YEAR + 1) == ""
    # The next RAT starts with these findings in its "M&E results" chapter.
    rpkd = Plan.objects.get(kind=PlanKind.RPKD)
    rat = plan_create(kind=PlanKind.RAT, title="RAT berikut", year_start=YEAR + 1, rpkd=rpkd)
    assert "Perkuat verifikasi KLJ." in rat.sections.get(key="hasil_monev").body


def test_a_returned_report_is_a_draft_again_and_the_return_needs_a_note(
    locked_q1: Instrument, secretariat: User, ketua: User
) -> None:
    report = generated(
        report_create(kind="quarterly", year=YEAR, quarter=1, by=secretariat), secretariat
    )
    report_submit(report=report, by=secretariat)
    with pytest.raises(ValidationError):
        report_decide(report=report, by=ketua, decision="return", note=" ")
    with pytest.raises(PermissionDenied):  # only the Ketua decides
        report_decide(report=report, by=secretariat, decision="approve")
    report_decide(report=report, by=ketua, decision="return", note="Tambahkan analisis.")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.return_note == "Tambahkan analisis."


def test_a_quarterly_report_needs_a_locked_quarter(
    instrument: Instrument, secretariat: User
) -> None:
    with pytest.raises(ValidationError):
        report_create(kind="ppke", year=YEAR, quarter=1, by=secretariat)
    assert not Report.objects.exists()


def test_a_stale_matriks_1_answer_is_refused(locked_q1: Instrument, secretariat: User) -> None:
    question = PpkeQuestion.objects.order_by("order").first()
    assert question is not None
    first = ppke_answer_save(
        question=question, year=YEAR, quarter=1, by=secretariat, text="A", lock_version=0
    )
    ppke_answer_save(
        question=question,
        year=YEAR,
        quarter=1,
        by=secretariat,
        text="B",
        lock_version=first.lock_version,
    )
    with pytest.raises(ValidationError):
        ppke_answer_save(
            question=question,
            year=YEAR,
            quarter=1,
            by=secretariat,
            text="C",
            lock_version=first.lock_version,
        )
    first.refresh_from_db()
    assert first.text == "B"


def test_the_secretariat_creates_a_report_that_is_queued_then_downloaded_and_audited(
    locked_q1: Instrument, as_secretariat: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_secretariat.post(
            reverse("reports:new"), {"kind": "quarterly", "year": YEAR, "quarter": 1}
        )
    report = Report.objects.get()
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    assert len(callbacks) == 1  # the worker task is enqueued after the commit
    waiting = as_secretariat.get(reverse("reports:detail", args=[report.pk]))
    assert waiting.context["running"] and b'hx-trigger="every 1s"' in waiting.content
    polled = as_secretariat.get(
        reverse("reports:detail", args=[report.pk]), headers={"HX-Request": "true"}
    )
    assert b'data-status="queued"' in polled.content and "HX-Refresh" not in polled
    report_version_run(version=report.versions.get())  # what the worker does
    partial = as_secretariat.get(
        reverse("reports:detail", args=[report.pk]), headers={"HX-Request": "true"}
    )
    assert b"<html" not in partial.content and b'data-status="done"' in partial.content
    # The build ended: the whole page reloads (versions table, buttons) instead of the box.
    assert partial["HX-Refresh"] == "true"
    url = reverse("reports:download", args=[report.pk, 1, "pdf"])
    download = as_secretariat.get(url)
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="reports.downloaded").count() == 1


def test_an_open_quarter_is_refused_on_the_form_which_keeps_the_input(
    instrument: Instrument, as_secretariat: Client
) -> None:
    response = as_secretariat.post(
        reverse("reports:new"), {"kind": "ppke", "year": YEAR, "quarter": 2}
    )
    assert response.status_code == 400 and not Report.objects.exists()
    assert response.context["form"]["quarter"].value() == "2"


def test_opd_and_outsiders_are_refused_and_the_ketua_reads_but_does_not_create(
    locked_q1: Instrument, secretariat: User, ketua: User, as_opd: Client, as_outsider: Client
) -> None:
    report = generated(
        report_create(kind="quarterly", year=YEAR, quarter=1, by=secretariat), secretariat
    )
    urls = [
        reverse("reports:list"),
        reverse("reports:new"),
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:download", args=[report.pk, 1, "docx"]),
    ]
    for client in (as_opd, as_outsider):
        for url in urls:
            assert client.get(url).status_code == 403, url
    as_ketua = login(ketua)
    assert as_ketua.get(urls[0]).status_code == 200
    assert as_ketua.get(urls[2]).status_code == 200
    assert as_ketua.get(urls[1]).status_code == 403
    assert as_ketua.post(urls[2], {"action": "generate"}).status_code == 403
    assert report.versions.count() == 1


def test_the_new_report_form_names_the_locked_quarters_and_links_an_existing_report(
    locked_q1: Instrument, secretariat: User, ketua: User, as_secretariat: Client
) -> None:
    url = reverse("reports:new")
    governor = login(user_with_role("gubernur", Role.GUBERNUR))
    for client in (login(ketua), governor):
        assert client.get(url).status_code == 403
        assert client.post(url, {"kind": "lp2kd", "year": YEAR}).status_code == 403
    form = as_secretariat.get(url, {"year": YEAR}).context["form"]
    assert "TW 1" in str(form["quarter"].help_text) and "TW 2" not in str(form["quarter"].help_text)
    ppke = as_secretariat.post(url, {"kind": "ppke", "year": YEAR})
    assert ppke.status_code == 400
    assert ppke.context["form"].errors["quarter"] == [quarter_required("ppke")]
    assert quarter_required("ppke") != quarter_required("quarterly")
    report = report_create(kind="quarterly", year=YEAR, quarter=1, by=secretariat)
    again = as_secretariat.post(url, {"kind": "quarterly", "year": YEAR, "quarter": 1})
    assert again.status_code == 400 and Report.objects.count() == 1
    link = reverse("reports:detail", args=[report.pk])
    assert f'data-testid="existing-report"><a href="{link}"'.encode() in again.content
