from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tkpk.core.permissions import require_role
from tkpk.core.roles import Role
from tkpk.targeting.models import ImportJob, Release

# Releases and imports are the data steward's and the secretariat's work.
DATA_ROLES = (Role.PENGELOLA_DATA, Role.SEKRETARIAT)


def release_list_for_user(*, user: Any) -> QuerySet[Release]:
    require_role(user, *DATA_ROLES)
    return Release.objects.all()


def import_jobs_for_user(*, user: Any) -> QuerySet[ImportJob]:
    require_role(user, *DATA_ROLES)
    return ImportJob.objects.select_related("release", "created_by")


def import_job_get_for_user(*, user: Any, pk: int) -> ImportJob:
    job = import_jobs_for_user(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def release_get_for_user(*, user: Any, pk: int) -> Release:
    release = release_list_for_user(user=user).filter(pk=pk).first()
    if release is None:
        raise Http404
    return release
