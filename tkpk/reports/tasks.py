"""Background generation of a report version (the worker runs it; the page polls progress)."""

from __future__ import annotations

from django.tasks import task

from tkpk.reports.models import ReportVersion
from tkpk.reports.services import report_version_run


@task
def report_version_task(version_id: int) -> str:
    version = report_version_run(version=ReportVersion.objects.get(pk=version_id))
    return version.status
