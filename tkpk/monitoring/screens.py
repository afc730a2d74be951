"""The process steps that monitoring's services complete (bound from ``MonitoringConfig.ready``).

The reporting steps (report, verify, lock) are exclusive: their service alone completes them, so
the engine and the reports never disagree. The instrument steps and the opening of a period stay
completable from the generic task screen until the instrument pages exist (the services check
the instrument's own state, so a step completed there does not skip a domain check); the opening
is normally completed by the scheduler on behalf of the secretariat.
"""

from __future__ import annotations

from tkpk.processes.screens import register_screen


def register() -> None:
    from tkpk.monitoring.services_reports import on_report_task_opened  # noqa: PLC0415

    register_screen("monitoring.instrument")
    register_screen("monitoring.confirm")
    register_screen("monitoring.approve")
    register_screen("monitoring.period_open")
    register_screen("monitoring.report", on_open=on_report_task_opened, exclusive=True)
    register_screen("monitoring.verify", exclusive=True)
    register_screen("monitoring.period_lock", exclusive=True)
