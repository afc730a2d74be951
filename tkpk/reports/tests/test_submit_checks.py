"""A version goes to the Ketua only when it shows what was typed on the report page: Matriks 1
answers all filled and not changed since the version was generated; an LP2KD whose
recommendations chapter is empty is sent with a visible warning."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from conftest import login
from tkpk.accounts.models import User
from tkpk.monitoring.models import Instrument
from tkpk.reports.models import PpkeAnswer, PpkeQuestion, Report, ReportStatus
from tkpk.reports.services import (
    ppke_answer_save,
    report_create,
    report_decide,
    report_recommendations_save,
    report_submit,
)
from tkpk.reports.tests.conftest import YEAR
from tkpk.reports.tests.test_workflow_pages import generated

pytestmark = pytest.mark.django_db


def at(day: int) -> time_machine.travel:
    return time_machine.travel(datetime(YEAR, 5, day, 3, tzinfo=UTC), tick=False)


def answer(question: PpkeQuestion, by: User, text: str) -> PpkeAnswer:
    current = PpkeAnswer.objects.filter(question=question, year=YEAR, quarter=1).first()
    return ppke_answer_save(
        question=question,
        year=YEAR,
        quarter=1,
        by=by,
        text=text,
        lock_version=current.lock_version if current else 0,
    )


def test_a_ppke_version_older_than_a_matriks_1_answer_is_neither_sent_nor_approved(
    locked_q1: Instrument, secretariat: User, ketua: User
) -> None:
    questions = list(PpkeQuestion.objects.filter(is_active=True))
    with at(1):
        for question in questions:
            answer(question, secretariat, "Sudah.")
    with at(2):
        report = generated(
            report_create(kind="ppke", year=YEAR, quarter=1, by=secretariat), secretariat
        )
        report_submit(report=report, by=secretariat)
        report_decide(report=report, by=ketua, decision="return", note="Jawaban 1 kurang.")
    with at(3):  # the answer is saved, the same v1 is sent back
        answer(questions[0], secretariat, "Sudah, SK 12/2028.")
        with pytest.raises(ValidationError, match="1"):
            report_submit(report=report, by=secretariat)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    with at(4):
        report = generated(report, secretariat)
        report_submit(report=report, by=secretariat)
    with at(5):  # changed while the Ketua reads v2: v2 is not approved
        answer(questions[0], secretariat, "Sudah, SK 13/2028.")
        with pytest.raises(ValidationError):
            report_decide(report=report, by=ketua, decision="approve")
    report.refresh_from_db()
    assert report.status == ReportStatus.REVIEW
    assert report.current_version is not None and report.current_version.number == 2


def test_a_ppke_report_with_unanswered_questions_is_not_sent_and_the_page_says_how_many(
    locked_q1: Instrument, secretariat: User, as_secretariat: Client
) -> None:
    questions = list(PpkeQuestion.objects.filter(is_active=True))
    assert len(questions) > 1
    answer(questions[0], secretariat, "Sudah.")
    report = generated(
        report_create(kind="ppke", year=YEAR, quarter=1, by=secretariat), secretariat
    )
    url = reverse("reports:detail", args=[report.pk])
    page = as_secretariat.get(url)
    missing = len(questions) - 1
    assert f'data-testid="missing-answers" data-count="{missing}"'.encode() in page.content
    refused = as_secretariat.post(url, {"action": "submit"})
    assert refused.status_code == 400
    assert str(missing) in " ".join(m.message for m in refused.context["messages"])
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_an_lp2kd_without_recommendations_is_sent_with_a_warning_and_typed_ones_need_a_version(
    locked_q1: Instrument, secretariat: User, as_secretariat: Client, ketua: User
) -> None:
    report = generated(
        report_create(kind="lp2kd", year=YEAR, quarter=None, by=secretariat), secretariat
    )
    url = reverse("reports:detail", args=[report.pk])
    assert b'data-testid="recommendations-empty"' in as_secretariat.get(url).content
    report_recommendations_save(
        report=report, by=secretariat, text="Perbaiki data KLJ.", lock_version=report.lock_version
    )
    page = as_secretariat.get(url)
    assert b'data-testid="outdated-warning"' in page.content
    assert as_secretariat.post(url, {"action": "submit"}).status_code == 400
    report = generated(report, secretariat)
    page = as_secretariat.get(url)
    assert b'data-testid="recommendations-empty"' not in page.content
    assert b'data-testid="outdated-warning"' not in page.content
    assert as_secretariat.post(url, {"action": "submit"}).status_code == 302
    assert Report.objects.get(pk=report.pk).status == ReportStatus.REVIEW
    # The Ketua sees the same page without the warnings.
    assert b'data-testid="outdated-warning"' not in login(ketua).get(url).content
