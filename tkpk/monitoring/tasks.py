"""Background jobs of monitoring: open and lock reporting periods on their dates."""

from __future__ import annotations

from django.tasks import task

from tkpk.monitoring.services_reports import monitoring_tick


@task
def monitoring_tick_task() -> dict[str, list[str]]:
    result = monitoring_tick()
    return {"opened": result.opened, "locked": result.locked}
