from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from tkpk.regions.models import KEMENDAGRI_CODE_RE, Region, RegionCode
from tkpk.regions.services import CROSSWALK_CSV, REGIONS_CSV, regions_load

pytestmark = pytest.mark.django_db


def test_the_loader_creates_every_jakarta_unit_with_its_hierarchy(reference: None) -> None:
    levels = Counter(Region.objects.values_list("level", flat=True))
    assert levels == {"provinsi": 1, "kabupaten_kota": 6, "kecamatan": 44, "kelurahan": 267}
    for region in Region.objects.select_related("parent"):
        assert KEMENDAGRI_CODE_RE.match(region.code), region.code
        if region.level == "provinsi":
            assert region.parent is None
        else:
            assert region.parent is not None and region.code.startswith(region.parent.code + ".")
    kali_anyar = Region.objects.get(pk="31.73.04.1002")
    assert (kali_anyar.name, kali_anyar.parent.name) == ("Kali Anyar", "Tambora")  # type: ignore[union-attr]
    assert Region.objects.get(pk="31.72").name == "Kota Administrasi Jakarta Utara"  # trimmed


def test_loading_twice_changes_nothing(reference: None) -> None:
    before = list(Region.objects.values_list("code", "name", "parent_id"))
    result = regions_load()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 318)
    assert list(Region.objects.values_list("code", "name", "parent_id")) == before
    assert RegionCode.objects.count() == 7


def test_the_bps_crosswalk_maps_jakarta_kota_codes_that_differ(reference: None) -> None:
    bps = dict(RegionCode.objects.filter(system="bps").values_list("region_id", "code"))
    assert bps["31.71"] == "3173"  # Jakarta Pusat
    assert bps["31.74"] == "3171"  # Jakarta Selatan
    assert bps["31.01"] == "3101"


def test_a_file_with_a_bad_code_is_refused_and_nothing_is_stored(
    tmp_path: Path, reference: None
) -> None:
    bad = tmp_path / "wilayah.csv"
    lines = REGIONS_CSV.read_text(encoding="utf-8").splitlines()
    lines.insert(5, "31.71.01.99,Salah Kode,kelurahan,31.71.01,,,,")
    bad.write_text("\n".join(lines), encoding="utf-8")
    before = list(Region.objects.values_list("code", "name"))
    with pytest.raises(ValidationError, match="line 6"):
        regions_load(regions_csv=bad, crosswalk_csv=CROSSWALK_CSV)
    assert list(Region.objects.values_list("code", "name")) == before


def test_an_updated_population_is_applied_on_reload(tmp_path: Path, reference: None) -> None:
    changed = tmp_path / "wilayah.csv"
    text = REGIONS_CSV.read_text(encoding="utf-8").replace(
        "31.71,Kota Administrasi Jakarta Pusat,kabupaten_kota,31,530678,526592,1057270",
        "31.71,Kota Administrasi Jakarta Pusat,kabupaten_kota,31,530678,526592,1057999",
    )
    changed.write_text(text, encoding="utf-8")
    result = regions_load(regions_csv=changed)
    assert result.updated == 1
    assert Region.objects.get(pk="31.71").population_total == 1057999
