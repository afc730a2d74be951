"""Reads of the reports app. Who sees the reports: Sekretariat, Ketua, Gubernur and Tim
Penyusun (province-wide aggregates). OPD users and outsiders are refused (403): the reports
compile every OPD's figures and are the team's documents, not an agency's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tkpk.core.permissions import require_role, scope_for
from tkpk.core.roles import Role
from tkpk.reports.models import PpkeAnswer, PpkeQuestion, Report, ReportKind, ReportVersion

READER_ROLES = (Role.SEKRETARIAT, Role.KETUA, Role.GUBERNUR, Role.TIM_PENYUSUN)


def reports_require_reader(user: Any) -> None:
    require_role(user, *READER_ROLES)


def can_write(user: Any) -> bool:
    return not scope_for(user, [Role.SEKRETARIAT]).is_empty


def can_decide(user: Any) -> bool:
    return not scope_for(user, [Role.KETUA]).is_empty


def report_list_for_user(*, user: Any, kind: str = "", year: int | None = None) -> QuerySet[Report]:
    reports_require_reader(user)
    reports = Report.objects.select_related("current_version", "created_by", "approved_by")
    if kind:
        reports = reports.filter(kind=kind)
    if year is not None:
        reports = reports.filter(year=year)
    return reports


def report_get_for_user(*, user: Any, pk: int) -> Report:
    reports_require_reader(user)
    report = Report.objects.select_related("current_version").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def version_get_for_user(*, user: Any, report: Report, number: int) -> ReportVersion:
    reports_require_reader(user)
    version = report.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return version


def ppke_answers(*, report: Report) -> list[tuple[PpkeQuestion, PpkeAnswer | None]]:
    if report.kind != ReportKind.PPKE or not report.quarter:
        return []
    answers = {
        a.question_id: a
        for a in PpkeAnswer.objects.filter(year=report.year, quarter=report.quarter)
    }
    return [(q, answers.get(q.pk)) for q in PpkeQuestion.objects.filter(is_active=True)]
