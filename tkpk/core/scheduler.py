"""The scheduler loop: enqueue periodic jobs into the task queue when they are due.

Apps register their periodic jobs here (``PERIODIC_JOBS``); the worker executes what the
scheduler enqueues. The last enqueue time lives in the database (row-locked), so two schedulers
or a restart never enqueue the same run twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tkpk.core import tasks
from tkpk.core.models import ScheduledJob


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Any  # a django.tasks Task
    kwargs: Callable[[], dict[str, Any]] = dict


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("core.clear_expired_sessions", timedelta(hours=1), tasks.clear_expired_sessions),
    PeriodicJob("core.prune_task_results", timedelta(days=1), tasks.prune_task_results),
]


def register(job: PeriodicJob) -> None:
    if any(j.name == job.name for j in PERIODIC_JOBS):
        return
    PERIODIC_JOBS.append(job)


def _enqueuer(job: PeriodicJob) -> Callable[[], None]:
    def enqueue() -> None:
        job.task.enqueue(**job.kwargs())

    return enqueue


def scheduler_tick(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job that is due; returns the names enqueued."""
    moment = now or timezone.now()
    enqueued: list[str] = []
    for job in PERIODIC_JOBS:
        with transaction.atomic():
            state, _ = ScheduledJob.objects.get_or_create(name=job.name)
            state = ScheduledJob.objects.select_for_update().get(pk=state.pk)
            if state.last_enqueued_at is not None and moment < state.last_enqueued_at + job.every:
                continue
            state.last_enqueued_at = moment
            state.save(update_fields=["last_enqueued_at"])
            transaction.on_commit(_enqueuer(job))
            enqueued.append(job.name)
    return enqueued
