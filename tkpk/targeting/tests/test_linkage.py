"""Person linkage: NIK helpers, field reading, the pipeline, and the link_persons command.

No database: the linkage reads files into DuckDB and returns pairs.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from django.core.management import call_command

from tkpk.targeting.linkage.fields import (
    MappingError,
    columns_resolve,
    macros_install,
    mapping_parse,
    persons_read,
)
from tkpk.targeting.linkage.link import LinkResult, link_files, link_tables
from tkpk.targeting.linkage.nik import (
    nik_birth_date_sql,
    nik_clean,
    nik_clean_sql,
    nik_parse,
    nik_sex_sql,
)
from tkpk.targeting.synthetic import (
    CLAN_NAMES,
    FEMALE_NAMES,
    MALE_NAMES,
    SECOND_NAMES_MALE,
    SyntheticTargets,
    targets_generate,
    targets_write,
)

TODAY = "2026-11-30"


def _precision_recall(pairs: pl.DataFrame, truth: pl.DataFrame) -> tuple[float, float]:
    expected = truth.filter(pl.col("registry_id").is_not_null())
    correct = pairs.join(
        expected,
        left_on=["right_id", "left_id"],
        right_on=["beneficiary_id", "registry_id"],
    ).height
    return correct / max(pairs.height, 1), correct / expected.height


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SyntheticTargets]:
    out = tmp_path_factory.mktemp("targets")
    targets = targets_generate(persons=20_000, beneficiaries=6_000, seed=2026)
    targets_write(targets, out_dir=out, formats=("parquet",))
    return out, targets


@pytest.fixture(scope="module")
def linked(generated: tuple[Path, SyntheticTargets]) -> LinkResult:
    out, _ = generated
    return link_files(out / "registry.parquet", out / "beneficiaries.parquet", reference_date=TODAY)


# --- NIK helpers ---------------------------------------------------------------------------


def test_nik_parse_reads_region_birth_date_sex_and_serial() -> None:
    man = nik_parse("3171011203800007", reference_year=2026)
    woman = nik_parse("3171015203050012", reference_year=2026)

    assert man is not None and woman is not None
    assert (man.region, man.birth_date, man.sex, man.serial) == (
        "317101",
        date(1980, 3, 12),
        "M",
        "0007",
    )
    assert (woman.birth_date, woman.sex, woman.serial) == (date(2005, 3, 12), "F", "0012")


def test_nik_clean_refuses_placeholders_short_values_and_excel_floats() -> None:
    assert nik_clean(" 3171.0112.0380.0007 ") == "3171011203800007"
    assert nik_clean("9999999999999996") is None
    assert nik_clean("317101120380") is None
    assert nik_clean("3.17101120380001E+15") is None
    assert nik_clean(None) is None


def test_nik_sql_helpers_agree_with_the_python_ones() -> None:
    values = ["3171011203800007", "3171015203050012", "3171013102800001", "9999999999999995"]
    con = duckdb.connect()
    for value in values:
        parts = nik_parse(value, reference_year=2026)
        clean = nik_clean_sql("v")
        born = nik_birth_date_sql("c", reference_year=2026)
        inner = f"SELECT v, {clean} AS c FROM (SELECT ? AS v)"  # noqa: S608 — fixed SQL
        sql = f"SELECT {clean}, {born}, {nik_sex_sql('c')} FROM ({inner})"  # noqa: S608 — fixed SQL
        got = con.execute(sql, [value]).fetchall()[0]
        assert got[0] == nik_clean(value)
        assert got[1] == (parts.birth_date if parts else None)
        assert got[2] == (parts.sex if parts else None)


# --- fields ---------------------------------------------------------------------------------


def test_names_lose_titles_degrees_punctuation_and_old_spelling() -> None:
    con = duckdb.connect()
    macros_install(con)

    def name(value: str) -> str | None:
        return con.execute("SELECT tkpk_name(?)", [value]).fetchall()[0][0]

    assert name("Drs. H. Ahmad Fauzi, M.Si") == "AHMAD FAUZI"
    assert name("HJ. SITI AMINAH S.Pd") == "SITI AMINAH"
    assert name("Moh. Rizki") == "MUHAMMAD RIZKI"
    assert name("Ma'ruf   Amin") == "MARUF AMIN"
    assert name("Soekarno") == name("SUKARNO")
    assert name("Budi Santoso SE") == "BUDI SANTOSO"
    assert name("  ") is None


def test_mapping_renames_columns_and_rejects_unknown_fields() -> None:
    mapping = mapping_parse(["NAMA=name", "NO_KTP=nik"])

    assert mapping == {"NAMA": "name", "NO_KTP": "nik"}
    assert columns_resolve(["ID", "NAMA", "NO_KTP", "name"], mapping) == {
        "name": "NAMA",
        "nik": "NO_KTP",
        "id": "ID",
    }
    with pytest.raises(MappingError):
        mapping_parse(["NAMA=nama_lengkap"])
    with pytest.raises(MappingError):
        mapping_parse(["NAMA"])
    with pytest.raises(MappingError):
        columns_resolve(["NAMA"], mapping)


def test_niks_stay_exact_text_even_above_2_to_the_53(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,nik,name\n1,9171011203800001,A\n2,3171011203800002,B\n")
    con = duckdb.connect()

    table = persons_read(con, path, table="people", reference_date=TODAY)

    assert con.execute("SELECT nik FROM people ORDER BY id").fetchall() == [
        ("9171011203800001",),
        ("3171011203800002",),
    ]
    assert table.fields == {"id", "nik", "name", "birth_date", "sex"}  # both from the NIK


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name\n1,A\n1,B\n")

    with pytest.raises(MappingError, match="duplicate"):
        persons_read(duckdb.connect(), path, table="people", reference_date=TODAY)


# --- the pipeline ---------------------------------------------------------------------------


def test_a_generated_set_links_with_precision_and_recall_of_at_least_0_98(
    generated: tuple[Path, SyntheticTargets], linked: LinkResult
) -> None:
    _, targets = generated
    precision, recall = _precision_recall(linked.pairs, targets.truth)

    assert precision >= 0.98
    assert recall >= 0.98
    assert "exact_nik" in linked.blocking_rules
    assert linked.exact_nik_accepted > 0.8 * linked.pairs.height


def test_each_right_record_gets_at_most_its_best_left_match_above_the_threshold(
    linked: LinkResult,
) -> None:
    pairs = linked.pairs

    assert pairs.columns == ["left_id", "right_id", "probability"]
    assert pairs["right_id"].n_unique() == pairs.height
    assert pairs["probability"].min() >= 0.9  # type: ignore[operator]
    assert pairs["probability"].max() <= 1.0  # type: ignore[operator]


def _namesake_initials(name: str) -> str:
    """Another name with the same initials: each token swapped for another word."""
    words = sorted(set(MALE_NAMES + FEMALE_NAMES + SECOND_NAMES_MALE + CLAN_NAMES))
    return " ".join(
        next(w for w in words if w[0] == token[0] and w != token) for token in name.split()
    )


def test_a_nik_typo_in_the_serial_does_not_link_people_who_only_share_initials(
    tmp_path: Path,
) -> None:
    targets = targets_generate(persons=6_000, beneficiaries=1_500, seed=7)
    person = targets.registry.row(0, named=True)
    nik = person["nik"]
    serial_typo = nik[:12] + ("9" if nik[12] != "9" else "8") + nik[13:]
    born = date.fromisoformat(person["birth_date"])
    stranger = {
        "name": _namesake_initials(person["name"]),
        # Same year, so the pair is blocked (kelurahan + initials + year) and scored.
        "birth_date": born.replace(month=born.month % 12 + 1, day=min(born.day, 28)).isoformat(),
    }
    extra = pl.DataFrame(
        [
            # Someone else whose NIK, mistyped in the serial, became this person's NIK.
            {**person, **stranger, "id": "T-SAME-NIK"},
            # Someone else whose NIK differs from this person's in one serial digit.
            {**person, **stranger, "id": "T-SERIAL", "nik": serial_typo},
            # This very person with that serial typo: still linked, by name and birth date.
            {**person, "id": "T-TYPO", "nik": serial_typo},
        ]
    ).select(pl.col(c).cast(pl.String) for c in targets.beneficiaries.columns if c != "programme")
    beneficiaries = pl.concat([targets.beneficiaries.drop("programme"), extra])
    targets.registry.write_parquet(tmp_path / "registry.parquet")
    beneficiaries.write_parquet(tmp_path / "beneficiaries.parquet")

    result = link_files(
        tmp_path / "registry.parquet", tmp_path / "beneficiaries.parquet", reference_date=TODAY
    )

    linked = dict(zip(result.pairs["right_id"], result.pairs["left_id"], strict=True))
    assert stranger["name"] != person["name"]
    assert "T-SAME-NIK" not in linked
    assert "T-SERIAL" not in linked
    assert linked["T-TYPO"] == person["id"]


def _write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


PEOPLE = [
    ("P01", "Emma Johansson", "F", "1985-03-12", "Stockholm"),
    ("P02", "Liam O'Connor", "M", "1979-11-02", "Dublin"),
    ("P03", "Sofia Rossi", "F", "1992-07-21", "Milano"),
    ("P04", "Lukas Müller", "M", "1968-01-30", "München"),
    ("P05", "Chloé Martin", "F", "2001-05-05", "Lyon"),
    ("P06", "Mateo García", "M", "1995-09-17", "Sevilla"),
    ("P07", "Olivia Smith", "F", "1974-12-24", "Leeds"),
    ("P08", "Noah Williams", "M", "1988-04-08", "Cardiff"),
    ("P09", "Ava Brown", "F", "1999-02-14", "Boston"),
    ("P10", "Jakub Nowak", "M", "1983-06-30", "Kraków"),
    ("P11", "Anna Kowalska", "F", "1990-10-10", "Gdańsk"),
    ("P12", "Pierre Dubois", "M", "1960-08-15", "Paris"),
    ("P13", "Maria Silva", "F", "1977-03-03", "Porto"),
    ("P14", "João Santos", "M", "1966-11-11", "Lisboa"),
    ("P15", "Elena Popescu", "F", "1993-01-19", "Cluj"),
    ("P16", "Ivan Petrov", "M", "1971-07-07", "Sofia"),
    ("P17", "Fatima Zahra", "F", "1987-05-25", "Rabat"),
    ("P18", "Yusuf Demir", "M", "1998-12-01", "Izmir"),
    ("P19", "Mei Chen", "F", "1984-09-09", "Taipei"),
    ("P20", "Kenji Tanaka", "M", "1975-04-04", "Osaka"),
    ("P21", "Emma Johansson", "F", "1962-06-01", "Malmö"),
    ("P22", "Liam Murphy", "M", "1979-11-02", "Cork"),
    ("P23", "Sofia Russo", "F", "1992-07-12", "Roma"),
    ("P24", "Lucas Miller", "M", "1968-01-30", "Denver"),
    ("P25", "Ana García", "F", "1995-09-17", "Madrid"),
    ("P26", "Oliver Smith", "M", "1974-12-24", "Leeds"),
    ("P27", "Grace Lee", "F", "2000-03-30", "Seoul"),
    ("P28", "David Cohen", "M", "1958-02-02", "Haifa"),
    ("P29", "Sara Nilsson", "F", "1991-08-08", "Uppsala"),
    ("P30", "Tom Jensen", "M", "1982-10-31", "Aarhus"),
]
# Right-hand records with the person they are (empty: nobody in PEOPLE).
LISTED = [
    ("X01", "Emma Johanson", "female", "1985-03-12", "Stockholm", "P01"),
    ("X02", "Liam OConnor", "male", "1979-11-02", "Dublin", "P02"),
    ("X03", "SOFIA ROSSI", "F", "1992-07-21", "Milan", "P03"),
    ("X04", "Lukas Mueller", "M", "1968-01-30", "Munich", "P04"),
    ("X05", "Chloe Martin", "F", "2001-05-05", "Lyon", "P05"),
    ("X06", "Mateo Garcia", "M", "1995-09-17", "Seville", "P06"),
    ("X07", "Olivia Smith", "", "1974-12-24", "Leeds", "P07"),  # not Oliver, born the same day
    ("X08", "Noah Wiliams", "M", "1988-08-04", "Cardiff", "P08"),  # day and month swapped
    ("X09", "Ava Brown", "F", "1999-02-14", "Cambridge", "P09"),
    ("X10", "Jakub Nowak", "M", "1983-06-03", "Krakow", "P10"),
    ("X11", "Anna Kowalska-Nowak", "F", "1990-10-10", "Gdansk", "P11"),
    ("X12", "Dr. Pierre Dubois", "M", "1960-08-15", "Paris", "P12"),
    ("X13", "Maria da Silva", "F", "1977-03-03", "Porto", "P13"),
    ("X14", "Joao Santos", "M", "1966-11-11", "", "P14"),
    ("X15", "Elena Popescu", "F", "1993-01-19", "Cluj-Napoca", "P15"),
    ("X16", "Ivan Petrov", "M", "", "Sofia", "P16"),  # no birth date
    ("X17", "Hannah Schmidt", "F", "1986-02-02", "Hamburg", ""),
    ("X18", "Liam Walsh", "M", "1979-11-02", "Galway", ""),
    ("X19", "Sofia Rossi", "F", "1956-04-04", "Napoli", ""),  # a namesake, other birth date
    ("X20", "Kenji Watanabe", "M", "1975-04-04", "Kyoto", ""),
]


def test_a_person_file_without_nik_links_on_name_sex_birth_date_and_city(
    tmp_path: Path,
) -> None:
    _write_csv(tmp_path / "people.csv", ["person_id", "full_name", "gender", "dob", "city"], PEOPLE)
    _write_csv(
        tmp_path / "list.csv", ["id", "name", "sex", "birth_date", "city"], [r[:5] for r in LISTED]
    )

    result = link_files(
        tmp_path / "people.csv",
        tmp_path / "list.csv",
        mapping_left={
            "person_id": "id",
            "full_name": "name",
            "gender": "sex",
            "dob": "birth_date",
            "city": "birth_place",
        },
        mapping_right={"city": "birth_place"},
        reference_date=TODAY,
    )

    assert "nik" not in result.fields
    assert "exact_nik" not in result.blocking_rules
    linked = dict(zip(result.pairs["right_id"], result.pairs["left_id"], strict=True))
    expected = {right: left for right, *_, left in LISTED if left}
    assert all(expected.get(right) == left for right, left in linked.items())  # no wrong link
    assert len(linked) >= len(expected) - 1
    assert linked["X07"] == "P07"


def test_link_tables_links_frames_registered_in_a_connection() -> None:
    targets = targets_generate(persons=2_000, beneficiaries=500, seed=4)
    con = duckdb.connect()
    con.register("registry_frame", targets.registry)
    con.register("list_frame", targets.beneficiaries)

    result = link_tables(con, left="registry_frame", right="list_frame", reference_date=TODAY)

    precision, recall = _precision_recall(result.pairs, targets.truth)
    assert precision >= 0.98
    assert recall >= 0.95


# --- the command ----------------------------------------------------------------------------


def test_link_persons_maps_columns_and_writes_one_best_pair_per_right_record(
    tmp_path: Path,
) -> None:
    targets = targets_generate(persons=3_000, beneficiaries=800, seed=3)
    indonesian = {"id": "ID_ART", "nik": "NIK", "name": "NAMA", "birth_date": "TGL_LAHIR"}
    targets.registry.rename(indonesian).write_csv(tmp_path / "dtsen.csv")
    targets.beneficiaries.rename({"name": "nama_penerima", "kk": "NO_KK"}).write_csv(
        tmp_path / "penerima.csv"
    )
    out = tmp_path / "out" / "pairs.csv"

    call_command(
        "link_persons",
        str(tmp_path / "dtsen.csv"),
        str(tmp_path / "penerima.csv"),
        f"--out={out}",
        "--map",
        "ID_ART=id",
        "NIK=nik",
        "NAMA=name",
        "TGL_LAHIR=birth_date",
        "--map-right",
        "nama_penerima=name",
        "--map-right=NO_KK=kk",
        "--threshold=0.95",
        f"--reference-date={TODAY}",
    )

    assert out.read_text().splitlines()[0] == "left_id,right_id,probability"
    pairs = pl.read_csv(out, schema_overrides={"left_id": pl.String, "right_id": pl.String})
    assert pairs["right_id"].n_unique() == pairs.height
    assert pairs["probability"].min() >= 0.95  # type: ignore[operator]
    assert pairs["probability"].max() <= 1.0  # type: ignore[operator]
    precision, recall = _precision_recall(pairs, targets.truth)
    assert precision >= 0.98
    assert recall >= 0.95
