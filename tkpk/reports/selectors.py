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


def ppke_missing_answers(
    *, report: Report, answers: list[tuple[PpkeQuestion, PpkeAnswer | None]] | None = None
) -> int:
    """How many active Matriks 1 questions of a PPKE report have no answer yet (from
    ``answers`` when the caller has read them already)."""
    if answers is None:
        answers = ppke_answers(report=report)
    return sum(1 for _q, a in answers if a is None or not a.text.strip())


def version_outdated(*, report: Report) -> bool:
    """True when the inputs typed on the report page changed after the current version was
    generated: the Matriks 1 answers of a PPKE report (saved after the version was queued) or
    the recommendations of an LP2KD (not the text the version used)."""
    version = report.current_version
    if version is None:
        return False
    if report.kind == ReportKind.LP2KD:
        used = (version.snapshot or {}).get("recommendations", "")
        return bool(used.strip() != report.recommendations.strip())
    if report.kind == ReportKind.PPKE and report.quarter:
        return PpkeAnswer.objects.filter(
            year=report.year, quarter=report.quarter, updated_at__gte=version.generated_at
        ).exists()
    return False


def locked_quarters(*, year: int) -> list[int]:
    """The quarters of ``year``'s published instrument that are locked (a quarterly or PPKE
    report can be drafted for them)."""
    from tkpk.monitoring.models import PeriodState  # noqa: PLC0415
    from tkpk.monitoring.services_reports import instrument_current  # noqa: PLC0415

    instrument = instrument_current(year=year)
    if instrument is None:
        return []
    periods = instrument.periods.filter(state=PeriodState.LOCKED).order_by("quarter")
    return list(periods.values_list("quarter", flat=True))
