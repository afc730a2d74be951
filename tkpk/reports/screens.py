"""Where the process steps bound to reports are done (the lead registers these in
``processes.screens``): each returns (url, label) of the report page, or None."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from tkpk.processes.models import HumanTask


def _report_url(task: HumanTask, kind: str) -> str | None:
    from tkpk.reports.models import Report  # noqa: PLC0415

    report = Report.objects.filter(instance_id=task.instance_id, kind=kind).first()
    return reverse("reports:detail", args=[report.pk]) if report is not None else None


def lp2kd_link(task: HumanTask) -> tuple[str, str] | None:
    """EVA_01–EVA_03, EVA_05 (draft), EVA_06 (Ketua approves), EVA_07/EVA_08: the LP2KD page;
    before the LP2KD exists, the new-report form for the instance's year."""
    url = _report_url(task, "lp2kd")
    if url is not None:
        return url, _("Open the LP2KD")
    year = (task.instance.params or {}).get("year")
    if not year:
        return None
    return f"{reverse('reports:new')}?kind=lp2kd&year={year}", _("Draft the LP2KD")


def quarterly_link(task: HumanTask) -> tuple[str, str] | None:
    """TW_05 (Ketua approves the quarterly report): the quarterly report page."""
    url = _report_url(task, "quarterly")
    if url is not None:
        return url, _("Open the quarterly report")
    # Not drafted yet: the team reports list, where the secretariat drafts it.
    return reverse("reports:list"), _("The quarterly report is not drafted yet: team reports")


def ppke_link(task: HumanTask) -> tuple[str, str] | None:
    """TW_06 (report to the Minister): the PPKE report of the period, or the form for it."""
    from tkpk.reports.models import Report  # noqa: PLC0415

    params = task.instance.params or {}
    year, quarter = params.get("year"), params.get("quarter")
    if not year or not quarter:
        return None
    report = Report.objects.filter(kind="ppke", year=year, quarter=quarter).first()
    if report is not None:
        return reverse("reports:detail", args=[report.pk]), _("Open the PPKE report")
    return (
        f"{reverse('reports:new')}?kind=ppke&year={year}&quarter={quarter}",
        _("Draft the PPKE report"),
    )
