"""Writes of the reports app: create, generate (in the worker), submit, approve or return,
recommendations and Matriks 1 answers. An approved report is archived: every service refuses
to change it or its versions."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tkpk.accounts.models import User
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.monitoring.services import (
    instance_start_or_attach,
    task_complete_if_open,
    versioned_update,
)
from tkpk.planning.documents.content import id_date
from tkpk.planning.models import Plan, PlanKind
from tkpk.reports import selectors
from tkpk.reports.content import locked_period, ppke_content, quarterly_content
from tkpk.reports.content_lp2kd import lp2kd_content
from tkpk.reports.models import (
    QUARTERLY_KINDS,
    PpkeAnswer,
    PpkeQuestion,
    Report,
    ReportKind,
    ReportStatus,
    ReportVersion,
    VersionStatus,
)
from tkpk.reports.render import documents

EVA_CODE = "TKPK-03.03.CFM.01"
# The secretariat's drafting steps of the evaluation map that a submitted draft completes.
EVA_DRAFT_STEPS = ("Task_EVA_01_Himpun", "Task_EVA_02_Analisis", "Task_EVA_03_RancLP2KD")
EVA_REVISE = "Task_EVA_05_Sempurnakan"
EVA_APPROVE = "Task_EVA_06_Setujui"
TW_APPROVE = "Task_TW_05_Setujui"


class ReportArchivedError(ValidationError):
    """The report is approved and archived: nothing of it changes."""


class ReportExistsError(ValidationError):
    """The report of this kind and period exists already (``report``)."""

    def __init__(self, report: Report) -> None:
        super().__init__(_("This report exists already; open it to generate a new version."))
        self.report = report


def _require(by: Any, *roles: Role) -> None:
    if scope_for(by, roles).is_empty:
        raise PermissionDenied


def _check_open(report: Report) -> None:
    if report.status == ReportStatus.APPROVED:
        raise ReportArchivedError(_("The report is approved and archived; it cannot change."))


def report_snapshot(
    *, kind: str, year: int, quarter: int | None = None, recommendations: str = ""
) -> dict[str, Any]:
    """The numbers and texts of a report (ReportDataError when the data are not there)."""
    if kind == ReportKind.QUARTERLY:
        return quarterly_content(year=year, quarter=int(quarter or 0))
    if kind == ReportKind.PPKE:
        return ppke_content(year=year, quarter=int(quarter or 0))
    if kind == ReportKind.LP2KD:
        return lp2kd_content(year=year, recommendations=recommendations)
    raise ValidationError(_("Unknown report kind."))


def file_stem(*, kind: str, year: int, quarter: int | None) -> str:
    return f"{kind}-{year}" + (f"-tw{quarter}" if quarter else "")


def report_files_write(
    *, kind: str, year: int, quarter: int | None, out_dir: Path, recommendations: str = ""
) -> tuple[Path, Path]:
    """Generate synchronously into ``out_dir`` (the command and the benchmark)."""
    snapshot = report_snapshot(
        kind=kind, year=year, quarter=quarter, recommendations=recommendations
    )
    docx, pdf = documents(snapshot)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(kind=kind, year=year, quarter=quarter)
    docx_path, pdf_path = out_dir / f"{stem}.docx", out_dir / f"{stem}.pdf"
    docx_path.write_bytes(docx)
    pdf_path.write_bytes(pdf)
    return docx_path, pdf_path


def lp2kd_build(*, year: int, out_dir: Path) -> tuple[Path, Path]:
    """The full LP2KD (DOCX, PDF) of ``year`` from the database's data, for the benchmark."""
    return report_files_write(kind=ReportKind.LP2KD, year=year, quarter=None, out_dir=out_dir)


@transaction.atomic
def report_create(*, kind: str, year: int, quarter: int | None, by: User) -> Report:
    """A new draft (secretariat); a quarterly report needs a locked quarter. The LP2KD is bound
    to the year's evaluation process (TKPK-03.03), a quarterly report to its period's process."""
    _require(by, Role.SEKRETARIAT)
    report = Report(
        kind=kind,
        year=year,
        quarter=quarter if kind in QUARTERLY_KINDS else None,
        created_by=by,
        updated_by=by,
    )
    report.full_clean(validate_constraints=False)
    existing = Report.objects.filter(kind=kind, year=year, quarter=report.quarter).first()
    if existing is not None:
        raise ReportExistsError(existing)
    if kind in QUARTERLY_KINDS:
        period = locked_period(year=year, quarter=int(quarter or 0))
        report.instance_id = period.instance_id
    else:
        report.instance = instance_start_or_attach(EVA_CODE, params={"year": year}, by=by)
    report.save()
    audit_record(action="reports.created", actor=by, obj=report)
    return report


@transaction.atomic
def report_generate(*, report: Report, by: User | None) -> ReportVersion:
    """Queue a new version (the next number) of a draft; the worker renders it."""
    from tkpk.reports.tasks import report_version_task  # noqa: PLC0415 (task imports services)

    if by is not None:
        _require(by, Role.SEKRETARIAT)
    report = Report.objects.select_for_update().get(pk=report.pk)
    _check_open(report)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("Only a draft is generated again; return it first."))
    if report.versions.filter(status__in=(VersionStatus.QUEUED, VersionStatus.RUNNING)).exists():
        raise ValidationError(_("A version is being generated already."))
    number = (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ReportVersion.objects.create(report=report, number=number, generated_by=by)
    audit_record(action="reports.generation_queued", actor=by, obj=version)
    transaction.on_commit(lambda: report_version_task.enqueue(version_id=version.pk))
    return version


def _progress(version: ReportVersion, progress: int, status: str = VersionStatus.RUNNING) -> None:
    ReportVersion.objects.filter(pk=version.pk).update(progress=progress, status=status)


def report_version_run(*, version: ReportVersion) -> ReportVersion:
    """The worker's step: snapshot → charts, DOCX, PDF → files; the report points at it."""
    version = ReportVersion.objects.select_related("report").get(pk=version.pk)
    report = version.report
    if version.status != VersionStatus.QUEUED or report.status == ReportStatus.APPROVED:
        return version
    _progress(version, 5)
    try:
        snapshot = report_snapshot(
            kind=report.kind,
            year=report.year,
            quarter=report.quarter,
            recommendations=report.recommendations,
        )
        _progress(version, 40)
        docx, pdf = documents(snapshot)
        _progress(version, 90)
    except ValidationError as exc:
        ReportVersion.objects.filter(pk=version.pk).update(
            status=VersionStatus.FAILED, progress=100, message="; ".join(exc.messages)
        )
        version.refresh_from_db()
        return version
    stem = file_stem(kind=report.kind, year=report.year, quarter=report.quarter)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        version = ReportVersion.objects.select_for_update().get(pk=version.pk)
        if report.status == ReportStatus.APPROVED:
            return version
        version.snapshot = snapshot
        version.docx.save(f"{stem}-v{version.number}.docx", ContentFile(docx), save=False)
        version.pdf.save(f"{stem}-v{version.number}.pdf", ContentFile(pdf), save=False)
        version.status, version.progress = VersionStatus.DONE, 100
        version.finished_at = timezone.now()
        version.save()
        Report.objects.filter(pk=report.pk).update(current_version=version)
    return version


@transaction.atomic
def report_recommendations_save(
    *, report: Report, by: User, text: str, lock_version: int
) -> Report:
    _require(by, Role.SEKRETARIAT)
    _check_open(report)
    versioned_update(Report, report, lock_version, {"recommendations": text.strip()}, by)
    return report


@transaction.atomic
def report_submit(*, report: Report, by: User) -> Report:
    """The secretariat sends the current version to the Ketua."""
    _require(by, Role.SEKRETARIAT)
    report = Report.objects.select_for_update().get(pk=report.pk)
    _check_open(report)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("Only a draft is sent for approval."))
    version = report.current_version
    if version is None or version.status != VersionStatus.DONE:
        raise ValidationError(_("Generate the report before sending it for approval."))
    missing = selectors.ppke_missing_answers(report=report)
    if missing:
        raise ValidationError(
            ngettext(
                "%(count)s Matriks 1 question has no answer yet; answer it before sending "
                "the report for approval.",
                "%(count)s Matriks 1 questions have no answer yet; answer them before sending "
                "the report for approval.",
                missing,
            )
            % {"count": missing}
        )
    if selectors.version_outdated(report=report):
        raise ValidationError(
            _(
                "The answers or recommendations changed after version %(number)s was "
                "generated; generate a new version before sending the report for approval."
            )
            % {"number": version.number}
        )
    report.status, report.updated_by = ReportStatus.REVIEW, by
    report.lock_version += 1
    report.save()
    if report.kind == ReportKind.LP2KD and not task_complete_if_open(
        instance_id=report.instance_id, step=EVA_REVISE, by=by
    ):
        for step in EVA_DRAFT_STEPS:
            task_complete_if_open(instance_id=report.instance_id, step=step, by=by)
    audit_record(action="reports.submitted", actor=by, obj=report, detail={"v": version.number})
    return report


@transaction.atomic
def report_decide(*, report: Report, by: User, decision: str, note: str = "") -> Report:
    """The Ketua approves (the report is archived) or returns it to draft with a note."""
    _require(by, Role.KETUA)
    report = Report.objects.select_for_update().get(pk=report.pk)
    _check_open(report)
    if report.status != ReportStatus.REVIEW:
        raise ValidationError(_("Only a report awaiting approval is decided."))
    if decision not in ("approve", "return"):
        raise ValidationError(_("Choose approve or return."))
    if decision == "return" and not note.strip():
        raise ValidationError({"note": _("Say why the report is returned.")})
    if decision == "approve" and selectors.version_outdated(report=report):
        raise ValidationError(
            _(
                "The answers or recommendations changed after version %(number)s was "
                "generated; return the report so that a new version is generated."
            )
            % {"number": report.current_version.number}  # type: ignore[union-attr]
        )
    now = timezone.now()
    if decision == "approve":
        report.status, report.approved_by, report.approved_at = ReportStatus.APPROVED, by, now
    else:
        report.status, report.return_note = ReportStatus.DRAFT, note.strip()
    report.updated_by = by
    report.lock_version += 1
    report.save()
    step = EVA_APPROVE if report.kind == ReportKind.LP2KD else TW_APPROVE
    if report.kind != ReportKind.PPKE:
        task_complete_if_open(
            instance_id=report.instance_id, step=step, by=by, decision=decision, comment=note
        )
    audit_record(action=f"reports.{decision}", actor=by, obj=report)
    return report


@transaction.atomic
def ppke_answer_save(
    *, question: PpkeQuestion, year: int, quarter: int, by: User, text: str, lock_version: int
) -> PpkeAnswer:
    """A Matriks 1 answer (optimistic locking); frozen once the quarter's PPKE is approved."""
    _require(by, Role.SEKRETARIAT)
    if Report.objects.filter(
        kind=ReportKind.PPKE, year=year, quarter=quarter, status=ReportStatus.APPROVED
    ).exists():
        raise ReportArchivedError(_("The report is approved and archived; it cannot change."))
    answer, created = PpkeAnswer.objects.get_or_create(
        question=question, year=year, quarter=quarter, defaults={"updated_by": by}
    )
    if created and lock_version == 0:
        PpkeAnswer.objects.filter(pk=answer.pk).update(
            text=text.strip(), updated_by=by, updated_at=timezone.now()
        )
        answer.refresh_from_db()
        return answer
    versioned_update(PpkeAnswer, answer, lock_version, {"text": text.strip()}, by)
    return answer


def report_download_record(*, version: ReportVersion, by: User, fmt: str) -> None:
    audit_record(action="reports.downloaded", actor=by, obj=version, detail={"format": fmt})


def lp2kd_findings(*, year: int) -> str:
    """HTML-safe text for the next RAT's "M&E results": the approved LP2KD's recommendations and
    its key achievement figures ("" when no LP2KD of ``year`` is approved)."""
    report = (
        Report.objects.filter(kind=ReportKind.LP2KD, year=year, status=ReportStatus.APPROVED)
        .select_related("current_version")
        .first()
    )
    version = report.current_version if report is not None else None
    if version is None or not version.snapshot:
        return ""
    snap, figures = version.snapshot, version.snapshot.get("figures", {})
    parts = [
        f"<p><strong>Hasil evaluasi LP2KD {year}</strong> (versi {version.number}, disetujui "
        f"{id_date(timezone.localdate(report.approved_at))}).</p>"  # type: ignore[union-attr]
    ]
    summary = []
    if figures.get("achievement_mean"):
        summary.append(f"rata-rata capaian fisik {figures['achievement_mean']}%")
    if figures.get("absorption"):
        summary.append(f"penyerapan anggaran {figures['absorption']}%")
    if figures.get("indicators"):
        summary.append(f"{figures['indicators']} indikator dinilai")
    if summary:
        parts.append(f"<p>{html.escape(', '.join(summary))}.</p>")
    by_opd = figures.get("by_opd") or {}
    if by_opd:
        items = "".join(
            f"<li>{html.escape(str(k))}: {html.escape(str(v))}%</li>"
            for k, v in by_opd.items()
            if v is not None
        )
        parts.append(f"<p>Capaian per perangkat daerah:</p><ul>{items}</ul>")
    recommendations = [x.strip() for x in snap.get("recommendations", "").splitlines() if x.strip()]
    if recommendations:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in recommendations)
        parts.append(f"<p>Rekomendasi:</p><ol>{items}</ol>")
    return "".join(parts)


def rat_monev_findings(plan: Plan) -> str:
    """First draft of a RAT's "M&E results": the newest approved LP2KD before its year.

    The RAT for year Y is drafted in Y-1, so the last full evaluated year is Y-2 (Y-1 when its
    LP2KD is already approved). Empty for an RPKD or when nothing is approved yet.
    """
    if plan.kind != PlanKind.RAT:
        return ""
    for year in (plan.year_start - 1, plan.year_start - 2):
        findings = lp2kd_findings(year=year)
        if findings:
            return findings
    return ""
