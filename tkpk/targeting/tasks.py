"""Background import of target data (the worker runs it; the page polls its progress)."""

from __future__ import annotations

from django.tasks import task

from tkpk.targeting.models import ImportJob
from tkpk.targeting.services import import_job_run


@task
def import_job_task(job_id: int) -> str:
    job = import_job_run(job=ImportJob.objects.get(pk=job_id))
    return job.status
