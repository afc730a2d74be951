"""A small real release for tests: synthetic persons imported through the real pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from tkpk.targeting.models import ImportStatus, Release
from tkpk.targeting.services import import_job_create, import_job_run, release_set_current
from tkpk.targeting.synthetic import targets_generate


@dataclass
class SmallTargets:
    release: Release
    registry: pl.DataFrame  # generated persons (with `id`); release rows are row = index + 2
    beneficiaries: pl.DataFrame  # a list with typos etc. (`id`, canonical fields, programme)
    truth: pl.DataFrame  # beneficiary_id, registry_id (null: not in the registry)


def release_make(
    tmp_path: Path,
    *,
    persons: int = 400,
    beneficiaries: int = 120,
    seed: int = 7,
    as_of: date = date(2026, 6, 30),
    current: bool = True,
) -> SmallTargets:
    """Generate, write as CSV, import (needs the `reference` fixture) and return the release."""
    targets = targets_generate(persons=persons, beneficiaries=beneficiaries, seed=seed)
    path = tmp_path / f"registry-{seed}.csv"
    targets.registry.drop("id").write_csv(path)
    job = import_job_create(path=path, source="DTSEN", as_of=as_of, mapping={}, by=None)
    job = import_job_run(job=job)
    assert job.status == ImportStatus.DONE, job.message
    assert job.release is not None
    release = job.release
    if current:
        release.is_current = True
        Release.objects.filter(is_current=True).exclude(pk=release.pk).update(is_current=False)
        release.save(update_fields=["is_current"])
    return SmallTargets(release, targets.registry, targets.beneficiaries, targets.truth)


__all__ = ["SmallTargets", "release_make", "release_set_current"]
