from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tkpk.targeting.nik_rules import nik_build, nik_check
from tkpk.targeting.validate import RULES, validate_frame

TODAY = date(2026, 11, 29)
KELURAHAN = ["31.73.04.1002", "31.71.01.1001"]
AREAS = ["317304", "317101"]

digits16 = st.text(alphabet="0123456789", min_size=16, max_size=16)
built = st.builds(
    lambda area, born, female, serial: nik_build(
        area=area, born=born, female=female, serial=serial
    ),
    st.sampled_from(AREAS + ["317599", "320101"]),
    st.dates(min_value=date(1930, 1, 1), max_value=TODAY),
    st.booleans(),
    st.integers(min_value=0, max_value=9999).map(lambda n: n or 1),
)
niks = st.one_of(digits16, built, st.just("9999999999999994"), st.text(max_size=18))


def _row(nik: str, **extra: str) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "nik": nik,
        "kk": "3173040101230004",
        "name": "SITI AMINAH",
        "sex": None,
        "birth_date": None,
        "birth_place": None,
        "address": None,
        "kelurahan_code": "31.73.04.1002",
        "desil": "3",
        "relationship": None,
    }
    row.update(extra)
    return row


def _issues(rows: list[dict[str, str | None]]) -> list[set[str]]:
    frame = validate_frame(
        pl.DataFrame(rows, schema={k: pl.String for k in rows[0]}).lazy(),
        today=TODAY,
        kelurahan_codes=KELURAHAN,
        known_areas=AREAS,
    ).collect()
    result = []
    for record in frame.iter_rows(named=True):
        result.append(
            {code for code in RULES if record.get(f"_e_{code}") or record.get(f"_w_{code}")}
        )
    return result


@settings(max_examples=300)
@given(niks)
def test_the_vectorised_nik_rules_agree_with_the_reference_rules(nik: str) -> None:
    (issues,) = _issues([_row(nik)])
    reference = nik_check(nik, today=TODAY, known_areas=frozenset(AREAS))
    nik_errors = {i for i in issues if i.startswith("nik_") and RULES[i].severity == "error"}
    assert bool(nik_errors) == (not reference.ok), (nik, issues, reference.errors)
    assert ("nik_placeholder" in issues) == reference.is_placeholder
    assert ("nik_area_unknown" in issues) == any("area" in w for w in reference.warnings)


# NIK dates at the edges of months, leap years and the century rule, male and female (+40).
EDGE_DATES = [
    "310426",  # 31 April
    "300224",  # 30 February
    "290223",  # 29 February of a common year
    "290224",  # 29 February of a leap year
    "690224",  # 29 February, female
    "710426",  # 31 April, female
    "311226",  # 31 December (this year, not in the future for TODAY)
    "301126",  # 30 November 2026 (the day after TODAY)
    "001026",  # day 0
    "320126",  # day 32
    "400126",  # day 40
    "720126",  # day 72
    "011326",  # month 13
    "010026",  # month 0
    "010127",  # 2027 → read as 1927
]


@pytest.mark.parametrize("ddmmyy", EDGE_DATES)
def test_the_vectorised_nik_date_rule_agrees_with_the_reference_at_the_edges(ddmmyy: str) -> None:
    nik = f"317304{ddmmyy}0001"
    (issues,) = _issues([_row(nik)])
    reference = nik_check(nik, today=TODAY, known_areas=frozenset(AREAS))
    # Region and serial are valid here, so any reference error is about the date.
    assert ("nik_date" in issues) == (not reference.ok), (nik, issues, reference.errors)
    nik_errors = {i for i in issues if i.startswith("nik_") and RULES[i].severity == "error"}
    assert bool(nik_errors) == (not reference.ok)


@given(built, st.sampled_from(["L", "P"]), st.dates(min_value=date(1930, 1, 1), max_value=TODAY))
def test_record_consistency_agrees_with_the_reference(nik: str, sex: str, born: date) -> None:
    (issues,) = _issues([_row(nik, sex=sex, birth_date=born.isoformat())])
    reference = nik_check(nik, today=TODAY, sex=sex, birth_date=born)
    mismatch = {"nik_birth_mismatch", "nik_sex_mismatch"} & issues
    assert bool(mismatch) == any("differs" in e for e in reference.errors)


def test_record_rules_flag_exactly_the_bad_fields() -> None:
    good = nik_build(area="317304", born=date(1990, 1, 15), female=True, serial=7)
    rows = [
        _row(good, sex="P", birth_date="1990-01-15"),
        _row(good, sex="L"),  # duplicate NIK and the wrong sex
        _row(
            nik_build(area="317304", born=date(1985, 3, 2), female=False, serial=9),
            desil="11",
            kelurahan_code="3173041099",
            name=" ",
            birth_date="2-3-1985",
            kk="12345",
        ),
        _row(
            nik_build(area="317304", born=date(1970, 5, 5), female=False, serial=3),
            kelurahan_code="3173041002",
        ),  # compact code of a known kelurahan is fine
    ]
    issues = _issues(rows)
    assert issues[0] == {"nik_duplicate"}
    assert issues[1] == {"nik_duplicate", "nik_sex_mismatch"}
    assert issues[2] == {
        "desil_invalid",
        "kelurahan_unknown",
        "name_missing",
        "birth_date_invalid",
        "kk_format",
    }
    assert issues[3] == set()
