from __future__ import annotations

from decimal import Decimal

import pytest

from tkpk.evaluation.selectors import achievement_table
from tkpk.monitoring.models import Instrument

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2028


def by_key(rows: list[dict]) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r["label"]: r for r in rows}


def test_only_accepted_reports_count_towards_achievement(
    first_quarter_reported: Instrument,
) -> None:
    rows = {r["code"]: r for r in achievement_table(year=YEAR, quarter=1, level="indicator")}
    dinsos, disdik = rows["P1.1.1"], rows["P2.1.1"]
    assert (dinsos["realisation"], dinsos["target"], dinsos["achievement"]) == (
        D(240),
        D(300),
        D("80.00"),
    )
    assert dinsos["predicate"]["short"] == "T"
    assert dinsos["budget_realised"] == D(450 * 10**9)
    assert dinsos["absorption"] == D("50.00")
    # Disdik's report is submitted but not accepted: no realisation yet.
    assert disdik["realisation"] is None and disdik["achievement"] is None
    assert disdik["budget_ceiling"] == D(3500 * 10**9)


def test_the_year_compares_the_latest_cumulative_quarter_with_the_annual_target(
    first_quarter_reported: Instrument,
) -> None:
    rows = {r["code"]: r for r in achievement_table(year=YEAR, level="indicator")}
    assert rows["P1.1.1"]["target"] == D(1200)
    assert rows["P1.1.1"]["achievement"] == D("20.00")
    assert rows["P1.1.1"]["predicate"]["short"] == "SR"


def test_rows_roll_up_to_opd_programme_and_klaster(first_quarter_reported: Instrument) -> None:
    opd = by_key(achievement_table(year=YEAR, quarter=1, level="opd"))
    assert opd["Dinsos"]["achievement"] == D("80.00") and opd["Dinsos"]["indicators"] == 1
    assert opd["Disdik"]["achievement"] is None
    assert opd["Disdik"]["budget_ceiling"] == D(3500 * 10**9)
    programmes = by_key(achievement_table(year=YEAR, quarter=1, level="programme"))
    assert set(programmes) == {"Program Dinsos", "Program Disdik"}
    klaster = achievement_table(year=YEAR, quarter=1, level="klaster")
    assert all(r["key"] for r in klaster)  # every row reached an RPKD programme's klaster
    assert sum(r["indicators"] for r in klaster) == 2
    activity = achievement_table(year=YEAR, quarter=1, level="activity")
    assert {r["label"] for r in activity} == {"Penyaluran Dinsos", "Penyaluran Disdik"}


def test_a_year_without_a_published_instrument_has_no_rows(reference: None) -> None:
    assert achievement_table(year=2031, level="opd") == []


def test_the_whole_instrument_rolls_up_into_one_row(first_quarter_reported: Instrument) -> None:
    (row,) = achievement_table(year=YEAR, quarter=1, level="all")
    # Disdik has no accepted realisation: the average is Dinsos's 80 % alone.
    assert row["achievement"] == D("80.00") and row["indicators"] == 2
    assert row["budget_ceiling"] == D(900 * 10**9) + D(3500 * 10**9)
