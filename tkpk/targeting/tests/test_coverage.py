"""Coverage per kelurahan × desil × programme, the map and the audited household drill-down.

The case below is small enough to count by hand (household = KK, desil = lowest member desil):

    KK   kelurahan        member desil   PKH link (target ≤ 4)      PIP link (target ≤ 3)
    H1   31.73.04.1002    1, 3           accepted                   –
    H2   31.73.04.1002    2              –                          –
    H3   31.73.04.1002    6, 7           accepted (inclusion)       –
    H4   31.73.04.1002    4              pending (does not count)   –
    H5   31.73.04.1001    3, 3           accepted twice             –
    H6   31.73.04.1001    9              –                          –
    H7   31.71.01.1001    1              –                          accepted
    H8   31.71.01.1001    4              –                          accepted (inclusion)
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import Organisation, User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.models import AuditEvent
from tkpk.core.roles import Role
from tkpk.targeting.models import BeneficiaryList, ListStatus, Release
from tkpk.targeting.nik_rules import nik_build
from tkpk.targeting.selectors_coverage import coverage_cube_for_user, coverage_lists_for_user
from tkpk.targeting.services import import_job_create, import_job_run
from tkpk.targeting.services_coverage import (
    boundaries_load,
    coverage_cube,
    coverage_households,
    coverage_summary,
    households_path,
    region_code_dotted,
)

pytestmark = pytest.mark.django_db

KEL_A, KEL_B, KEL_C = "31.73.04.1002", "31.73.04.1001", "31.71.01.1001"
HEADER = ["NIK", "NO_KK", "NAMA", "JK", "TGL_LAHIR", "KODE_KEL", "DESIL"]
MAPPING = {
    "NIK": "nik",
    "NO_KK": "kk",
    "NAMA": "name",
    "JK": "sex",
    "TGL_LAHIR": "birth_date",
    "KODE_KEL": "kelurahan_code",
    "DESIL": "desil",
}
# (household, kelurahan, desil) per person; release row = index + 2.
PERSONS = [
    ("H1", KEL_A, 1),
    ("H1", KEL_A, 3),
    ("H2", KEL_A, 2),
    ("H3", KEL_A, 6),
    ("H3", KEL_A, 7),
    ("H4", KEL_A, 4),
    ("H5", KEL_B, 3),
    ("H5", KEL_B, 3),
    ("H6", KEL_B, 9),
    ("H7", KEL_C, 1),
    ("H8", KEL_C, 4),
]
# (person index, status) per programme.
PKH_LINKS = [(1, "accepted"), (3, "accepted"), (5, "pending"), (6, "accepted"), (7, "accepted")]
PIP_LINKS = [(9, "accepted"), (10, "accepted")]


def _kk(household: str, kelurahan: str) -> str:
    return kelurahan[:8].replace(".", "") + f"{int(household[1:]):010d}"


def _nik(index: int, kelurahan: str) -> str:
    born = date(1970 + index, 1 + index % 12, 1 + index)
    return nik_build(area=kelurahan[:8].replace(".", ""), born=born, female=False, serial=index + 1)


def _person_rows(persons: list[tuple[str, str, int]]) -> list[list[str]]:
    rows = []
    for index, (household, kelurahan, desil) in enumerate(persons):
        born = date(1970 + index, 1 + index % 12, 1 + index)
        rows.append(
            [
                _nik(index, kelurahan),
                _kk(household, kelurahan),
                f"WARGA NOMOR {index}",
                "L",
                born.isoformat(),
                kelurahan,
                str(desil),
            ]
        )
    return rows


def release_import(
    tmp_path: Path, persons: list[tuple[str, str, int]], *, as_of: date, current: bool = True
) -> Release:
    path = tmp_path / f"coverage-{as_of:%Y%m%d}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(_person_rows(persons))
    job = import_job_run(
        job=import_job_create(path=path, source="DTSEN", as_of=as_of, mapping=MAPPING, by=None)
    )
    assert job.release is not None, job.message
    if current:
        Release.objects.filter(is_current=True).update(is_current=False)
        job.release.is_current = True
        job.release.save(update_fields=["is_current"])
    return job.release


def links_write(path: Path, persons: list[tuple[str, str, int]], links: list[Any]) -> Path:
    """A links file in the linking step's format (list_row, person_row, …, kk, kelurahan, desil)."""
    frame = pl.DataFrame(
        {
            "list_row": [i + 2 for i in range(len(links))],
            "person_row": [p + 2 for p, _s in links],
            "probability": [1.0] * len(links),
            "method": ["nik"] * len(links),
            "status": [s for _p, s in links],
            "kk": [_kk(persons[p][0], persons[p][1]) for p, _s in links],
            "kelurahan_code": [persons[p][1] for p, _s in links],
            "desil": [persons[p][2] for p, _s in links],
        },
        schema={
            "list_row": pl.Int64,
            "person_row": pl.Int64,
            "probability": pl.Float64,
            "method": pl.String,
            "status": pl.String,
            "kk": pl.String,
            "kelurahan_code": pl.String,
            "desil": pl.Int8,
        },
    )
    frame.write_parquet(path)
    return path


def list_make(
    *, release: Release, programme: str, acronym: str, links: Path, target: int, year: int = 2026
) -> BeneficiaryList:
    return BeneficiaryList.objects.create(
        programme=programme,
        organisation=Organisation.objects.get(acronym=acronym),
        year=year,
        quarter=2,
        target_desil_max=target,
        release=release,
        file_name=f"{programme}.xlsx",
        file_sha256="0" * 64,
        upload_path="",
        links_path=str(links),
        status=ListStatus.LINKED,
    )


@dataclass
class Case:
    release: Release
    pkh: BeneficiaryList
    pip: BeneficiaryList


def coverage_case(tmp_path: Path) -> Case:
    release = release_import(tmp_path, PERSONS, as_of=date(2026, 6, 30))
    pkh = list_make(
        release=release,
        programme="PKH",
        acronym="Dinsos",
        links=links_write(tmp_path / "pkh-links.parquet", PERSONS, PKH_LINKS),
        target=4,
    )
    pip = list_make(
        release=release,
        programme="PIP",
        acronym="Disdik",
        links=links_write(tmp_path / "pip-links.parquet", PERSONS, PIP_LINKS),
        target=3,
    )
    return Case(release, pkh, pip)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TKPK_BOUNDARY_GEOJSON = ""


@pytest.fixture
def case(reference: None, tmp_path: Path) -> Case:
    return coverage_case(tmp_path)


def _persona(username: str, role: Role) -> User:
    user = user_create(username=username, full_name=username.title())
    membership_grant(user=user, role=role)
    return user


@pytest.fixture
def data_steward(reference: None) -> User:
    return _persona("agus", Role.PENGELOLA_DATA)


EXPECTED = {
    # (kelurahan, desil, programme): (target, reached, not reached, inclusion)
    (KEL_A, 1, "PKH"): (1, 1, 0, 0),
    (KEL_A, 2, "PKH"): (1, 0, 1, 0),
    (KEL_A, 4, "PKH"): (1, 0, 1, 0),
    (KEL_A, 6, "PKH"): (0, 0, 0, 1),
    (KEL_B, 3, "PKH"): (1, 1, 0, 0),
    (KEL_C, 1, "PKH"): (1, 0, 1, 0),
    (KEL_C, 4, "PKH"): (1, 0, 1, 0),
    (KEL_A, 1, "PIP"): (1, 0, 1, 0),
    (KEL_A, 2, "PIP"): (1, 0, 1, 0),
    (KEL_B, 3, "PIP"): (1, 0, 1, 0),
    (KEL_C, 1, "PIP"): (1, 1, 0, 0),
    (KEL_C, 4, "PIP"): (0, 0, 0, 1),
}


def _as_dict(cube: pl.DataFrame) -> dict[tuple[str, int, str], tuple[int, int, int, int]]:
    return {
        (r["kelurahan_code"], r["desil"], r["programme"]): (
            r["target_households"],
            r["reached"],
            r["not_reached"],
            r["inclusion"],
        )
        for r in cube.to_dicts()
    }


def test_the_cube_counts_households_per_kelurahan_desil_and_programme_as_counted_by_hand(
    case: Case,
) -> None:
    cube = coverage_cube(release=case.release, lists=[case.pkh, case.pip])
    assert cube.columns == [
        "kelurahan_code",
        "desil",
        "programme",
        "target_households",
        "reached",
        "not_reached",
        "inclusion",
    ]
    assert _as_dict(cube) == EXPECTED
    cache = households_path(case.release)
    households = pl.read_parquet(cache)
    assert households.height == 8  # one row per KK, with the lowest member desil
    assert households.filter(pl.col("kk") == _kk("H3", KEL_A))["desil"].to_list() == [6]
    written = cache.stat().st_mtime_ns
    coverage_cube(release=case.release, lists=[case.pkh])
    assert cache.stat().st_mtime_ns == written  # written once, then reused


def test_a_links_file_rewritten_after_a_review_is_read_afresh(case: Case) -> None:
    before = _as_dict(coverage_cube(release=case.release, lists=[case.pkh]))
    assert before[(KEL_A, 4, "PKH")] == (1, 0, 1, 0)
    accepted = [(p, "accepted") for p, _s in PKH_LINKS]  # the pending H4 pair was accepted
    links_write(Path(case.pkh.links_path), PERSONS, accepted)
    after = _as_dict(coverage_cube(release=case.release, lists=[case.pkh]))
    assert after[(KEL_A, 4, "PKH")] == (1, 1, 0, 0)


def test_rollups_sum_the_cube_per_kota_and_province_with_the_exclusion_rate(case: Case) -> None:
    cube = coverage_cube(release=case.release, lists=[case.pkh, case.pip])
    province = {r["programme"]: r for r in coverage_summary(cube=cube, by="province").to_dicts()}
    pkh = province["PKH"]
    assert (pkh["target_households"], pkh["reached"], pkh["not_reached"], pkh["inclusion"]) == (
        6,
        2,
        4,
        1,
    )
    assert pkh["exclusion_rate"] == pytest.approx(4 / 6)
    assert pkh["inclusion_share"] == pytest.approx(1 / 3)
    kota = coverage_summary(cube=cube.filter(pl.col("programme") == "PIP"), by="kota")
    assert {r["code"]: r["not_reached"] for r in kota.to_dicts()} == {"31.71": 0, "31.73": 3}
    by_desil = coverage_summary(cube=cube, by="desil", per_programme=False)
    # Summed over both programmes: a household counts once per programme (H1, H7 twice).
    assert dict(zip(by_desil["desil"], by_desil["target_households"], strict=True)) == {
        1: 4,
        2: 2,
        3: 2,
        4: 2,
        6: 0,
    }


def test_lists_of_another_release_or_not_yet_linked_are_left_out(case: Case) -> None:
    case.pip.status = ListStatus.RUNNING
    case.pip.save()
    cube = coverage_cube(release=case.release, lists=[case.pkh, case.pip])
    assert set(cube["programme"]) == {"PKH"}
    assert coverage_cube(release=case.release, lists=[]).height == 0


def test_a_wilayah_user_sees_every_programme_but_only_its_kelurahan(
    case: Case, kelurahan_verifier: User
) -> None:
    lists = coverage_lists_for_user(user=kelurahan_verifier, release=case.release)
    cube = coverage_cube_for_user(user=kelurahan_verifier, release=case.release, lists=lists)
    assert set(cube["kelurahan_code"]) == {KEL_A}
    assert set(cube["programme"]) == {"PKH", "PIP"}


def test_an_opd_sees_only_the_programmes_of_its_own_lists(
    case: Case, opd_operator: User, other_opd_operator: User
) -> None:
    lists = coverage_lists_for_user(user=opd_operator, release=case.release)
    assert [item.programme for item in lists] == ["PKH"]
    cube = coverage_cube_for_user(user=opd_operator, release=case.release, lists=lists)
    assert set(cube["programme"]) == {"PKH"} and set(cube["kelurahan_code"]) == {
        KEL_A,
        KEL_B,
        KEL_C,
    }
    other = coverage_lists_for_user(user=other_opd_operator, release=case.release)
    assert [item.programme for item in other] == ["PIP"]


def test_the_page_shows_cards_charts_and_a_table_with_drill_down_links(
    case: Case, as_secretariat: Client
) -> None:
    response = as_secretariat.get(reverse("targeting:coverage"), {"programme": "PKH"})
    assert response.status_code == 200
    assert response.context["totals"]["not_reached"] == 4
    rows = {r["code"]: r for r in response.context["rows"]}
    assert rows[KEL_A]["not_reached"] == 2 and rows[KEL_A]["inclusion"] == 1
    html = response.content.decode()
    assert 'id="chart-desil"' in html and 'id="coverage-charts"' in html
    assert 'data-testid="coverage-map-missing"' in html  # no boundary file configured
    assert reverse("targeting:coverage_households") in html
    detail = as_secretariat.get(
        reverse("targeting:coverage"), {"programme": "PKH", "region": KEL_A}
    )
    assert [r["desil"] for r in detail.context["rows"]] == [1, 2, 4, 6]


def test_the_page_for_a_wilayah_user_and_an_opd_is_scoped(
    case: Case, as_verifier: Client, as_opd: Client
) -> None:
    verifier = as_verifier.get(reverse("targeting:coverage"), {"programme": "PIP"})
    assert verifier.status_code == 200
    assert {r["code"] for r in verifier.context["rows"]} == {KEL_A}
    opd = as_opd.get(reverse("targeting:coverage"))
    assert opd.status_code == 200
    assert [r["programme"] for r in opd.context["programme_rows"]] == ["PKH"]
    assert all(not r["links"] for r in opd.context["rows"])  # no household drill-down for OPD


def test_the_outsider_is_refused_on_the_page_the_drill_down_and_the_map(
    case: Case, as_outsider: Client
) -> None:
    assert as_outsider.get(reverse("targeting:coverage")).status_code == 403
    drill = as_outsider.get(
        reverse("targeting:coverage_households"),
        {"programme": "PKH", "kelurahan": KEL_A, "category": "not_reached"},
    )
    assert drill.status_code == 403
    assert as_outsider.get(reverse("targeting:coverage_boundaries")).status_code == 403


def _drill(client: Client, **params: Any) -> Any:
    query = {"programme": "PKH", "kelurahan": KEL_A, "category": "not_reached", **params}
    return client.get(reverse("targeting:coverage_households"), query)


def test_the_drill_down_lists_masked_households_and_writes_one_audit_row_per_view(
    case: Case, as_secretariat: Client
) -> None:
    before = AuditEvent.objects.filter(action="targeting.coverage_households_viewed").count()
    response = _drill(as_secretariat)
    assert response.status_code == 200
    events = AuditEvent.objects.filter(action="targeting.coverage_households_viewed")
    assert events.count() == before + 1
    event = events.latest("pk")
    assert event.detail["households"] == 2 and event.detail["rows"] == 2
    assert KEL_A in event.purpose and "PKH" in event.purpose
    assert response.context["total"] == 2  # H2 and H4 (H4's link is only pending)
    html = response.content.decode()
    nik_h2 = _nik(2, KEL_A)
    assert nik_h2 not in html and nik_h2[:6] + "••••••" + nik_h2[-4:] in html
    assert "WARGA NOMOR 2" not in html
    revealed = _drill(as_secretariat, reveal="1")
    assert nik_h2 in revealed.content.decode()
    assert events.count() == before + 2
    assert events.latest("pk").detail["revealed"]


def test_a_kelurahan_verifier_drills_down_in_its_kelurahan_only_and_cannot_reveal(
    case: Case, as_verifier: Client
) -> None:
    masked = _drill(as_verifier, category="inclusion")
    assert masked.status_code == 200 and masked.context["total"] == 1
    assert _nik(3, KEL_A) not in masked.content.decode()
    assert _drill(as_verifier, reveal="1").status_code == 403
    assert _drill(as_verifier, kelurahan=KEL_C).status_code == 403


def test_an_opd_gets_no_household_drill_down(case: Case, as_opd: Client) -> None:
    before = AuditEvent.objects.count()
    assert _drill(as_opd).status_code == 403
    assert AuditEvent.objects.count() == before


def test_the_drill_down_service_pages_households_and_refuses_without_scope(
    case: Case, data_steward: User, opd_operator: User
) -> None:
    result = coverage_households(
        user=data_steward,
        release=case.release,
        lists=[case.pip],
        kelurahan_code=KEL_A,
        desil=None,
        category="not_reached",
        limit=1,
        offset=1,
    )
    assert result.households == 2 and result.page_households == 1
    assert result.persons["kk"].to_list() == [_kk("H2", KEL_A)[:6] + "••••••" + "0002"]
    with pytest.raises(PermissionDenied):
        coverage_households(
            user=opd_operator,
            release=case.release,
            lists=[case.pkh],
            kelurahan_code=KEL_A,
            desil=1,
            category="reached",
        )


# --- the map -------------------------------------------------------------------------------------


def _square(x: float, y: float) -> list[list[list[float]]]:
    return [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]]


def boundaries_write(path: Path, *, prop: str = "KODE_KEL") -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {prop: code, "NAMA_KEL": name},
            "geometry": {"type": "Polygon", "coordinates": _square(106.8 + i * 0.02, -6.2)},
        }
        for i, (code, name) in enumerate(
            [(KEL_A.replace(".", ""), "Kali Anyar"), (KEL_B, "Tambora"), (KEL_C, "Gambir")]
        )
    ]
    features.append({"type": "Feature", "properties": {"other": 1}, "geometry": None})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_region_codes_are_accepted_dotted_or_undotted() -> None:
    assert region_code_dotted("3173041002") == KEL_A
    assert region_code_dotted(" 31.73.04.1002 ") == KEL_A
    assert region_code_dotted("31.73") == "31.73"
    assert region_code_dotted("kali anyar") is None and region_code_dotted(None) is None


def test_boundaries_detect_the_code_property_or_take_the_configured_one(tmp_path: Path) -> None:
    auto = boundaries_load(path=boundaries_write(tmp_path / "a.geojson"))
    assert [f["properties"]["code"] for f in auto["features"]] == [KEL_A, KEL_B, KEL_C]
    assert auto["features"][0]["properties"]["name"] == "Kali Anyar"
    named = boundaries_load(
        path=boundaries_write(tmp_path / "b.geojson", prop="id_desa"), code_property="id_desa"
    )
    assert len(named["features"]) == 3


def test_the_boundary_endpoint_and_the_map_follow_the_setting(
    case: Case, as_secretariat: Client, settings: Any, tmp_path: Path
) -> None:
    assert as_secretariat.get(reverse("targeting:coverage_boundaries")).status_code == 404
    settings.TKPK_BOUNDARY_GEOJSON = str(boundaries_write(tmp_path / "kel.geojson"))
    served = as_secretariat.get(reverse("targeting:coverage_boundaries")).json()
    assert {f["properties"]["code"] for f in served["features"]} == {KEL_A, KEL_B, KEL_C}
    page = as_secretariat.get(reverse("targeting:coverage"), {"programme": "PKH"})
    html = page.content.decode()
    assert 'data-testid="coverage-map"' in html and "coverage-map-missing" not in html
    assert page.context["map_data"][KEL_A]["rate"] == pytest.approx(2 / 3)


def test_the_page_says_so_when_there_is_no_release_or_no_linked_list(
    as_secretariat: Client, reference: None, tmp_path: Path
) -> None:
    empty = as_secretariat.get(reverse("targeting:coverage"))
    assert empty.status_code == 200 and b'data-testid="coverage-no-release"' in empty.content
    release_import(tmp_path, PERSONS, as_of=date(2026, 6, 30))
    no_lists = as_secretariat.get(reverse("targeting:coverage"))
    assert no_lists.status_code == 200 and b'data-testid="coverage-no-lists"' in no_lists.content
