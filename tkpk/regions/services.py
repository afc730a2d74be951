from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from tkpk.regions.models import CodeSystem, Level, Region, RegionCode, level_for_code

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_CSV = DATA_DIR / "wilayah_dki_jakarta.csv"
CROSSWALK_CSV = DATA_DIR / "crosswalk_bps.csv"

LEVEL_ALIASES = {
    "provinsi": Level.PROVINSI,
    "kabupaten_kota": Level.KABUPATEN_KOTA,
    "kecamatan": Level.KECAMATAN,
    "kelurahan": Level.KELURAHAN,
    "desa": Level.DESA,
}


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int
    crosswalk: int


def _int_or_none(value: str) -> int | None:
    value = value.strip()
    return int(value) if value else None


def _decimal_or_none(value: str) -> Decimal | None:
    value = value.strip()
    return Decimal(value) if value else None


def _read_regions(path: Path) -> list[Region]:
    regions: list[Region] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            code = row["kode"].strip()
            level_name = row["tingkat"].strip().lower()
            if level_name not in LEVEL_ALIASES:
                raise ValidationError(f"{path.name} line {line_no}: unknown level {level_name!r}")
            region = Region(
                code=code,
                name=" ".join(row["nama"].split()),
                level=LEVEL_ALIASES[level_name],
                parent_id=row["induk"].strip() or None,
                population_male=_int_or_none(row.get("penduduk_laki", "")),
                population_female=_int_or_none(row.get("penduduk_perempuan", "")),
                population_total=_int_or_none(row.get("penduduk_total", "")),
                area_km2=_decimal_or_none(row.get("luas_km2", "")),
            )
            if region.level != level_for_code(code):
                raise ValidationError(
                    f"{path.name} line {line_no}: level {level_name} does not fit code {code}"
                )
            try:
                region.clean_fields(exclude=["parent"])
                region.clean()
            except ValidationError as exc:
                raise ValidationError(f"{path.name} line {line_no}: {exc.messages}") from exc
            regions.append(region)
    return regions


FIELDS = [
    "name",
    "level",
    "parent_id",
    "population_male",
    "population_female",
    "population_total",
    "area_km2",
]


@transaction.atomic
def regions_load(
    *, regions_csv: Path = REGIONS_CSV, crosswalk_csv: Path = CROSSWALK_CSV
) -> LoadResult:
    """Load (or refresh) the administrative units and the BPS crosswalk; safe to run again.

    The whole file is validated before anything is written; parents are inserted before their
    children because the codes sort that way.
    """
    incoming = sorted(_read_regions(regions_csv), key=lambda r: (r.code.count("."), r.code))
    codes = {r.code for r in incoming}
    for region in incoming:
        if region.parent_id and region.parent_id not in codes:
            existing_parent = Region.objects.filter(pk=region.parent_id).exists()
            if not existing_parent:
                raise ValidationError(f"{region.code}: parent {region.parent_id} is unknown")
    existing = Region.objects.in_bulk([r.code for r in incoming])
    created = updated = unchanged = 0
    to_create: list[Region] = []
    to_update: list[Region] = []
    for region in incoming:
        current = existing.get(region.code)
        if current is None:
            to_create.append(region)
            created += 1
        elif any(getattr(current, f) != getattr(region, f) for f in FIELDS):
            to_update.append(region)
            updated += 1
        else:
            unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=500)
    Region.objects.bulk_update(to_update, FIELDS, batch_size=500)

    crosswalk = 0
    with crosswalk_csv.open(newline="", encoding="utf-8") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            code = row["kode_kemendagri"].strip()
            if not Region.objects.filter(pk=code).exists():
                raise ValidationError(f"{crosswalk_csv.name} line {line_no}: unknown {code}")
            RegionCode.objects.update_or_create(
                system=CodeSystem.BPS, region_id=code, defaults={"code": row["kode_bps"].strip()}
            )
            crosswalk += 1
    return LoadResult(created=created, updated=updated, unchanged=unchanged, crosswalk=crosswalk)
