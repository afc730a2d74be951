"""Demo target data: a generated DTSEN-style release for Jakarta and two programme lists.

Everything goes through the real pipeline (import, validation, Parquet release, linkage), so
the demo shows what a real delivery looks like. Synthetic persons only: no real NIK or name.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from tkpk.accounts.models import Organisation, User
from tkpk.targeting.models import BeneficiaryList, ImportStatus, Release
from tkpk.targeting.services import (
    import_job_create,
    import_job_run,
    release_set_current,
    storage_dir,
)
from tkpk.targeting.synthetic import targets_generate

DEMO_PERSONS = 100_000
DEMO_BENEFICIARIES = 24_000
DEMO_SEED = 2026
DEMO_AS_OF = date(2026, 9, 30)
# (programme in the generated list, OPD acronym, quarter)
DEMO_LISTS = (("KJP PLUS", "Disdik", 3), ("PKH", "Dinsos", 3))


def demo_targeting_load(*, persons: int = DEMO_PERSONS) -> int:
    """Load the demo release and lists once; returns how many objects were created."""
    if Release.objects.filter(source="DTSEN", as_of=DEMO_AS_OF).exists():
        return 0
    steward = User.objects.filter(username="data").first()
    secretariat = User.objects.filter(username="sekretariat").first()
    targets = targets_generate(
        persons=persons,
        beneficiaries=round(persons * DEMO_BENEFICIARIES / DEMO_PERSONS),
        seed=DEMO_SEED,
    )
    # Kept like any upload (the import job and the lists point to their files).
    folder = storage_dir()
    registry = folder / "upload-demo-dtsen-jakarta-2026-09.csv"
    targets.registry.drop("id").write_csv(registry)
    job = import_job_create(
        path=registry,
        source="DTSEN",
        as_of=DEMO_AS_OF,
        mapping={},
        by=steward,
        file_name="dtsen-jakarta-2026-09.csv",
    )
    job = import_job_run(job=job)
    if job.status != ImportStatus.DONE or job.release is None:
        raise RuntimeError(f"demo release import failed: {job.status} {job.message}")
    release = job.release
    if secretariat is not None:
        release_set_current(release=release, by=secretariat)
    return 1 + _lists(targets.beneficiaries, release=release, folder=folder, by=steward)


def _lists(beneficiaries: pl.DataFrame, *, release: Release, folder: Path, by: User | None) -> int:
    from tkpk.targeting.services_lists import (  # noqa: PLC0415
        beneficiary_list_create,
        beneficiary_list_link,
    )

    created = 0
    for programme, acronym, quarter in DEMO_LISTS:
        if BeneficiaryList.objects.filter(programme=programme, year=DEMO_AS_OF.year).exists():
            continue
        path = (
            folder
            / f"upload-demo-{programme.lower().replace(' ', '-')}-{DEMO_AS_OF.year}-tw{quarter}.csv"
        )
        beneficiaries.filter(pl.col("programme") == programme).drop("programme").write_csv(path)
        blist = beneficiary_list_create(
            path=path,
            file_name=path.name,
            programme=programme,
            organisation=Organisation.objects.get(acronym=acronym),
            year=DEMO_AS_OF.year,
            quarter=quarter,
            mapping={},
            by=by,
            release=release,
        )
        beneficiary_list_link(blist=blist)
        created += 1
    return created
