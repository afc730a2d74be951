"""The synthetic registry and beneficiary list: determinism, identifier structure, errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from tkpk.targeting.linkage.nik import nik_parse
from tkpk.targeting.synthetic import SyntheticTargets, kelurahan_load, targets_generate


@pytest.fixture(scope="module")
def targets() -> SyntheticTargets:
    return targets_generate(persons=20_000, beneficiaries=6_000, seed=11)


def _kecamatan_digits(kelurahan_code: str) -> str:
    return kelurahan_code.replace(".", "")[:6]


def test_the_generator_is_deterministic_for_a_seed() -> None:
    first = targets_generate(persons=3_000, beneficiaries=900, seed=5)
    again = targets_generate(persons=3_000, beneficiaries=900, seed=5)
    other = targets_generate(persons=3_000, beneficiaries=900, seed=6)

    assert first.registry.equals(again.registry)
    assert first.beneficiaries.equals(again.beneficiaries)
    assert first.truth.equals(again.truth)
    assert not first.registry.equals(other.registry)


def test_registry_niks_carry_the_kecamatan_the_birth_date_and_40_added_for_women(
    targets: SyntheticTargets,
) -> None:
    registry = targets.registry
    assert registry["nik"].n_unique() == registry.height
    for row in registry.head(3_000).iter_rows(named=True):
        nik = row["nik"]
        parts = nik_parse(nik, reference_year=2026)
        assert parts is not None
        assert len(nik) == 16 and nik.isdigit()
        assert parts.region == _kecamatan_digits(row["kelurahan_code"])
        assert parts.birth_date == date.fromisoformat(row["birth_date"])
        assert parts.sex == ("F" if row["sex"] == "P" else "M")
        assert (int(nik[6:8]) > 40) == (row["sex"] == "P")
        assert parts.serial != "0000"


def test_households_share_a_kk_from_their_kecamatan_and_have_one_to_seven_members(
    targets: SyntheticTargets,
) -> None:
    households = targets.registry.group_by("household_id").agg(
        pl.len().alias("members"),
        pl.col("kk").n_unique().alias("kks"),
        pl.col("kk").first(),
        pl.col("kelurahan_code").n_unique().alias("kelurahan"),
        pl.col("kelurahan_code").first(),
    )
    assert households["members"].min() == 1
    assert households["members"].max() == 7
    assert (households["kks"] == 1).all() and (households["kelurahan"] == 1).all()
    assert households["kk"].n_unique() == households.height
    assert all(
        kk[:6] == _kecamatan_digits(kel) and len(kk) == 16
        for kk, kel in households.select("kk", "kelurahan_code").iter_rows()
    )


def test_persons_live_in_all_267_kelurahan_with_desil_skewed_to_the_poor(
    targets: SyntheticTargets,
) -> None:
    registry = targets.registry
    assert len(kelurahan_load()) == 267
    assert registry["kelurahan_code"].n_unique() == 267
    counts = registry.group_by("desil").len().sort("desil")
    assert counts["desil"].to_list() == list(range(1, 11))
    assert counts["len"][0] > 2 * counts["len"][9]


def test_the_beneficiary_list_holds_every_kind_of_error_and_people_not_in_the_registry(
    targets: SyntheticTargets,
) -> None:
    listed = targets.beneficiaries.join(
        targets.truth, left_on="id", right_on="beneficiary_id"
    ).join(targets.registry, left_on="registry_id", right_on="id", how="left", suffix="_true")
    matched = listed.filter(pl.col("registry_id").is_not_null())
    outsiders = listed.filter(pl.col("registry_id").is_null())
    assert 0.1 < outsiders.height / listed.height < 0.2
    assert outsiders["nik"].is_in(targets.registry["nik"].implode()).sum() == 0

    def count(condition: pl.Expr) -> int:
        return matched.filter(condition).height

    swapped = (pl.col("nik") != pl.col("nik_true")) & (
        pl.col("nik").str.split("").list.sort() == pl.col("nik_true").str.split("").list.sort()
    )
    kinds = {
        "name typos and variants": count(pl.col("name").str.to_uppercase() != pl.col("name_true")),
        "swapped NIK digits": count(swapped),
        "missing NIK": count(pl.col("nik").is_null()),
        "missing birth date": count(pl.col("birth_date").is_null()),
        "wrong birth date": count(
            pl.col("birth_date").is_not_null() & (pl.col("birth_date") != pl.col("birth_date_true"))
        ),
        "moved": count(pl.col("kelurahan_code") != pl.col("kelurahan_code_true")),
    }
    for kind, n in kinds.items():
        assert n > 0.01 * matched.height, kind


def test_generate_targets_writes_parquet_csv_and_the_ground_truth(tmp_path: Path) -> None:
    call_command(
        "generate_targets",
        "--persons=1500",
        "--beneficiaries=400",
        "--seed=2",
        f"--out={tmp_path}",
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "beneficiaries.csv",
        "beneficiaries.parquet",
        "registry.csv",
        "registry.parquet",
        "truth.csv",
    ]
    from_csv = pl.read_csv(tmp_path / "registry.csv", infer_schema=False)
    from_parquet = pl.read_parquet(tmp_path / "registry.parquet")
    assert from_csv["nik"].to_list() == from_parquet["nik"].to_list()
    truth = pl.read_csv(tmp_path / "truth.csv", infer_schema=False)
    assert truth.columns == ["beneficiary_id", "registry_id"]
    assert truth.height == 400
