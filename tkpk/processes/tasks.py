"""Background jobs of the process engine."""

from __future__ import annotations

from django.tasks import task

from tkpk.processes.services import process_tick


@task
def process_tick_task() -> dict[str, int]:
    result = process_tick()
    return {
        "instances": result.instances,
        "reminders": result.reminders,
        "escalations": result.escalations,
    }
