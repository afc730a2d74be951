"""Reference organisations (shipped CSV) and the territorial offices derived from regions."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.accounts.services import organisation_upsert
from tkpk.regions.models import Level, Region

ORGANISATIONS_CSV = Path(__file__).resolve().parent / "data" / "organisations.csv"

TERRITORIAL_KIND = {
    Level.KABUPATEN_KOTA: OrganisationKind.KABUPATEN_KOTA,
    Level.KECAMATAN: OrganisationKind.KECAMATAN,
    Level.KELURAHAN: OrganisationKind.KELURAHAN,
}
TERRITORIAL_PREFIX = {Level.KECAMATAN: "Kecamatan", Level.KELURAHAN: "Kelurahan"}


@transaction.atomic
def organisations_load(*, path: Path = ORGANISATIONS_CSV) -> int:
    count = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            region = Region.objects.get(pk=row["region"]) if row.get("region") else None
            organisation_upsert(
                kind=row["kind"], name=row["name"], acronym=row["acronym"], region=region
            )
            count += 1
    existing = {
        (o.kind, o.region_id): o
        for o in Organisation.objects.filter(kind__in=list(TERRITORIAL_KIND.values()))
    }
    new = []
    for region in Region.objects.filter(level__in=list(TERRITORIAL_KIND)):
        kind = TERRITORIAL_KIND[Level(region.level)]
        if (kind, region.code) in existing:
            continue
        prefix = TERRITORIAL_PREFIX.get(Level(region.level))
        name = f"{prefix} {region.name}" if prefix else region.name
        # Kelurahan names repeat across the province; the code keeps the name unique.
        new.append(Organisation(kind=kind, name=f"{name} ({region.code})", region=region))
    Organisation.objects.bulk_create(new, batch_size=500)
    return count + len(existing) + len(new)
