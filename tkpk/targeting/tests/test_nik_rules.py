from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tkpk.targeting.nik_rules import kk_check, nik_build, nik_check

TODAY = date(2026, 11, 29)
AREAS = frozenset({"317304", "317101", "310101"})
birth_dates = st.dates(min_value=date(1927, 1, 1), max_value=TODAY)
areas = st.sampled_from(sorted(AREAS))
serials = st.integers(min_value=1, max_value=9999)


@given(area=areas, born=birth_dates, female=st.booleans(), serial=serials)
def test_every_nik_built_by_the_rules_is_valid_and_gives_back_its_facts(
    area: str, born: date, female: bool, serial: int
) -> None:
    nik = nik_build(area=area, born=born, female=female, serial=serial)
    result = nik_check(
        nik, today=TODAY, known_areas=AREAS, birth_date=born, sex="P" if female else "L"
    )
    assert result.ok, result.errors
    assert result.birth_date is not None and (result.birth_date.day, result.birth_date.month) == (
        born.day,
        born.month,
    )
    assert result.sex == ("P" if female else "L")
    assert not result.warnings


@given(area=areas, born=birth_dates, female=st.booleans(), serial=serials)
def test_a_record_of_the_other_sex_or_another_birthday_is_inconsistent(
    area: str, born: date, female: bool, serial: int
) -> None:
    nik = nik_build(area=area, born=born, female=female, serial=serial)
    assert not nik_check(nik, today=TODAY, sex="L" if female else "P").ok
    other = born + timedelta(days=1) if born < TODAY else born - timedelta(days=1)
    assert not nik_check(nik, today=TODAY, birth_date=other).ok


@given(st.text(alphabet="0123456789", min_size=0, max_size=20).filter(lambda s: len(s) != 16))
def test_anything_but_sixteen_digits_is_refused(text: str) -> None:
    assert not nik_check(text, today=TODAY).ok


@given(area=areas, born=birth_dates, female=st.booleans())
def test_serial_zero_is_refused(area: str, born: date, female: bool) -> None:
    nik = nik_build(area=area, born=born, female=female, serial=1)[:12] + "0000"
    assert any("0000" in e for e in nik_check(nik, today=TODAY).errors)


def test_impossible_dates_months_and_codes_are_refused() -> None:
    assert not nik_check("3173043102900001", today=TODAY).ok  # 31 February
    assert not nik_check("3173043213900001", today=TODAY).ok  # month 13
    assert not nik_check("3173047201900001", today=TODAY).ok  # day 72
    assert not nik_check("3173043501900001", today=TODAY).ok  # day 35 (neither range)
    assert not nik_check("3170041501900001", today=TODAY).ok  # kab/kota 70
    assert not nik_check("3973041501900001", today=TODAY).ok  # province 39
    assert not nik_check("3173041512260001", today=TODAY).ok  # 15-12-2026: not born yet
    assert nik_check("3173041512260001", today=date(2027, 1, 1)).ok
    assert nik_check("3173041512300001", today=TODAY).birth_date == date(1930, 12, 15)


def test_placeholders_are_flagged_not_rejected() -> None:
    for nik in ("9999999999999994", "9999999999999999"):
        result = nik_check(nik, today=TODAY)
        assert result.ok and result.is_placeholder and result.warnings


def test_an_unknown_area_only_warns() -> None:
    nik = nik_build(area="317599", born=date(1990, 1, 15), female=False, serial=12)
    result = nik_check(nik, today=TODAY, known_areas=AREAS)
    assert result.ok and result.warnings


def test_kk_numbers_are_sixteen_digits_with_a_known_province() -> None:
    assert kk_check("3173040101230004").ok
    assert not kk_check("317304010123000").ok
    assert not kk_check("0073040101230004").ok
    assert kk_check("3199990101230004", known_areas=AREAS).warnings


def test_each_error_names_the_rule_it_breaks() -> None:
    assert nik_check("123", today=TODAY).error_codes == ["nik_format"]
    assert nik_check("3173043104260001", today=TODAY).error_codes == ["nik_date"]
    assert nik_check("3173040101260000", today=TODAY).error_codes == ["nik_serial"]
    assert nik_check("0073040101260001", today=TODAY).error_codes == ["nik_province"]
    checked = nik_check("3173040101900001", today=TODAY, birth_date=date(1990, 1, 2), sex="P")
    assert checked.error_codes == ["nik_birth_mismatch", "nik_sex_mismatch"]
    assert kk_check("0073040101230004").error_codes == ["kk_format"]
