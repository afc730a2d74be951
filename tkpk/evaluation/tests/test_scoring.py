from __future__ import annotations

from decimal import Decimal

import pytest

from tkpk.evaluation.models import PredicateBand
from tkpk.evaluation.poverty import FgtError, fgt
from tkpk.evaluation.selectors import achievement, predicate_for

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("value", "short"),
    [
        ("100", "ST"),
        ("91", "ST"),
        ("90", "T"),
        ("90.5", "T"),
        ("76", "T"),
        ("75", "S"),
        ("66", "S"),
        ("65", "R"),
        ("51", "R"),
        ("50", "SR"),
        ("0", "SR"),
        ("-20", "SR"),
    ],
)
def test_the_seeded_predicate_table_puts_each_boundary_in_its_band(value: str, short: str) -> None:
    band = predicate_for(D(value))
    assert band is not None and band.short == short


def test_no_value_has_no_predicate() -> None:
    assert predicate_for(None) is None


def test_a_changed_predicate_table_changes_the_predicate() -> None:
    PredicateBand.objects.filter(short="ST").update(minimum=D(95))
    assert predicate_for(D(92)).short == "T"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("realisation", "target", "direction", "expected"),
    [
        ("80", "100", "higher", "80.00"),
        ("120", "100", "higher", "120.00"),
        ("0", "100", "higher", "0.00"),
        # lower is better: (2t − r) / t × 100
        ("4.03", "3.85", "lower", "95.32"),
        ("3.50", "3.85", "lower", "109.09"),
        ("7.70", "3.85", "lower", "0.00"),
        ("50", "100", "lower", "150.00"),
        ("1", "0", "higher", None),
        (None, "100", "higher", None),
    ],
)
def test_achievement_follows_the_direction_of_the_indicator(
    realisation: str | None, target: str, direction: str, expected: str | None
) -> None:
    result = achievement(
        realisation=D(realisation) if realisation is not None else None,
        target=D(target),
        direction=direction,
    )
    assert result == (D(expected) if expected is not None else None)


def test_fgt_matches_a_hand_computed_weighted_case() -> None:
    # z = 100; persons (y, w): (50, 2), (80, 1), (100, 1), (150, 4); Σw = 8.
    # P0 = (2 + 1) / 8 = 0.375 → 37.5
    # P1 = (2·0.5 + 1·0.2) / 8 = 1.2 / 8 = 0.15 → 15
    # P2 = (2·0.25 + 1·0.04) / 8 = 0.54 / 8 = 0.0675 → 6.75
    spend = [D(50), D(80), D(100), D(150)]
    weights = [D(2), D(1), D(1), D(4)]
    values = [
        fgt(expenditure=spend, weights=weights, poverty_line=D(100), alpha=a) for a in (0, 1, 2)
    ]
    assert values == [D("37.5"), D("15"), D("6.75")]
    assert values[0] >= values[1] >= values[2]


def test_fgt_refuses_inputs_that_give_no_index() -> None:
    with pytest.raises(FgtError):
        fgt(expenditure=[D(1)], weights=[D(0)], poverty_line=D(100), alpha=0)
    with pytest.raises(FgtError):
        fgt(expenditure=[D(1)], weights=[D(1), D(1)], poverty_line=D(100), alpha=0)
