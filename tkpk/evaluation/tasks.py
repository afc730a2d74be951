"""Background jobs of evaluation: recompute the dashboard when its inputs change."""

from __future__ import annotations

from django.tasks import task

from tkpk.evaluation.services import dashboard_refresh, dashboard_stale_years


@task
def dashboard_refresh_task(year: int) -> str:
    dashboard_refresh(year=year)
    return f"dashboard {year} refreshed"


@task
def dashboard_tick_task() -> list[int]:
    """Every ten minutes: enqueue a refresh for each year whose inputs' fingerprint changed."""
    years = dashboard_stale_years()
    for year in years:
        dashboard_refresh_task.enqueue(year=year)
    return years
