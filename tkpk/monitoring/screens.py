"""The process steps that monitoring's pages complete (bound from ``MonitoringConfig.ready``).

Each step links to the page where it is done and is exclusive: its service alone completes it
(the opening of a period by the scheduler's tick), so the engine and the instrument or reports
never disagree. A lock closes the steps of OPDs that did not report (see ``period_lock``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from tkpk.processes.screens import register_screen

if TYPE_CHECKING:
    from tkpk.processes.models import HumanTask


def period_link(task: HumanTask) -> tuple[str, str] | None:
    """TW_01 (open) and TW_04 (lock): the period's card on the completeness board."""
    from tkpk.monitoring.models import ReportingPeriod  # noqa: PLC0415

    period = ReportingPeriod.objects.filter(instance_id=task.instance_id).first()
    params = task.instance.params or {}
    year, quarter = (
        (period.year, period.quarter)
        if period is not None
        else (params.get("year"), params.get("quarter"))
    )
    if not year or not quarter:
        return None
    try:
        url = f"{reverse('monitoring:board')}?year={year}#period-{quarter}"
    except NoReverseMatch:
        return None
    return url, _("TW %(quarter)s %(year)s on the completeness board") % {
        "quarter": quarter,
        "year": year,
    }


def report_link(task: HumanTask) -> tuple[str, str] | None:
    """TW_02: the OPD's own report of the period."""
    from tkpk.monitoring.models import ReportingPeriod  # noqa: PLC0415

    period = ReportingPeriod.objects.filter(instance_id=task.instance_id).first()
    if period is None or task.organisation_id is None:
        return None
    report = period.reports.filter(opd_id=task.organisation_id).first()
    if report is None:
        return None
    return reverse("monitoring:report", args=[report.pk]), _("Open the quarterly report")


def verify_link(task: HumanTask) -> tuple[str, str] | None:
    """TW_03: the submitted reports of the period."""
    from tkpk.monitoring.models import ReportingPeriod, ReportState  # noqa: PLC0415

    period = ReportingPeriod.objects.filter(instance_id=task.instance_id).first()
    if period is None:
        return None
    query = urlencode(
        {"year": period.year, "quarter": period.quarter, "state": ReportState.SUBMITTED}
    )
    return reverse("monitoring:reports") + "?" + query, _("Verify the submitted reports")


def register() -> None:
    from tkpk.monitoring.services_instrument_pages import (  # noqa: PLC0415
        instrument_approve_link,
        instrument_confirm_link,
        instrument_task_link,
    )
    from tkpk.monitoring.services_reports import on_report_task_opened  # noqa: PLC0415

    # Every step is done on its page; the generic task form would skip the domain's checks.
    register_screen("monitoring.instrument", link=instrument_task_link, exclusive=True)
    register_screen("monitoring.confirm", link=instrument_confirm_link, exclusive=True)
    register_screen("monitoring.approve", link=instrument_approve_link, exclusive=True)
    register_screen("monitoring.period_open", link=period_link, exclusive=True)
    register_screen(
        "monitoring.report", on_open=on_report_task_opened, link=report_link, exclusive=True
    )
    register_screen("monitoring.verify", link=verify_link, exclusive=True)
    register_screen("monitoring.period_lock", link=period_link, exclusive=True)
