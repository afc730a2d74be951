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
DEMO_PREVIOUS = date(2026, 6, 30)
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
    registry = targets.registry.drop("id")
    # The quarter before: some of today's households were not in it and some had another
    # desil, so the musyawarah kelurahan has households to verify.
    _import(_previous(registry), name="dtsen-jakarta-2026-06.csv", as_of=DEMO_PREVIOUS, by=steward)
    release = _import(registry, name="dtsen-jakarta-2026-09.csv", as_of=DEMO_AS_OF, by=steward)
    if secretariat is not None:
        release_set_current(release=release, by=secretariat)
    return 2 + _lists(targets.beneficiaries, release=release, folder=folder, by=steward)


def _previous(registry: pl.DataFrame) -> pl.DataFrame:
    """The registry a quarter earlier: 2 % of households absent, 3 % in another desil."""
    households = registry.select("kk").unique().sort("kk")
    draw = households.with_columns(
        (pl.col("kk").hash(seed=DEMO_SEED) % 1000).alias("draw")
    )  # deterministic per KK
    absent = draw.filter(pl.col("draw") < 20)["kk"]
    shifted = draw.filter((pl.col("draw") >= 20) & (pl.col("draw") < 50))["kk"]
    desil = pl.col("desil").cast(pl.Int32)
    return registry.filter(~pl.col("kk").is_in(absent.implode())).with_columns(
        pl.when(pl.col("kk").is_in(shifted.implode()))
        .then(pl.when(desil < 10).then(desil + 1).otherwise(desil - 1))
        .otherwise(desil)
        .cast(pl.String)
        .alias("desil")
    )


def _import(frame: pl.DataFrame, *, name: str, as_of: date, by: User | None) -> Release:
    path = storage_dir() / f"upload-demo-{name}"
    frame.write_csv(path)
    job = import_job_create(
        path=path, source="DTSEN", as_of=as_of, mapping={}, by=by, file_name=name
    )
    job = import_job_run(job=job)
    if job.status != ImportStatus.DONE or job.release is None:
        raise RuntimeError(f"demo release import failed: {job.status} {job.message}")
    return job.release


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
