"""Achievement, predicates and each validation rule, table-driven; then submission through the
rule table (errors block, warnings need an explanation)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tkpk.accounts.models import User
from tkpk.monitoring.models import Instrument, ReportState
from tkpk.monitoring.rules import SEEDED_RULES, RowFacts, achievement, predicate, rule_check
from tkpk.monitoring.services_reports import report_submit
from tkpk.monitoring.tests.factories import (
    fill,
    open_quarter,
    report_of,
)

D = Decimal
RULES = {r["kind"]: r for r in SEEDED_RULES}


@pytest.mark.parametrize(
    ("realisation", "target", "direction", "expected"),
    [
        ("300", "300", "higher", "100.00"),
        ("150", "300", "higher", "50.00"),
        ("450", "300", "higher", "150.00"),
        ("3.8", "4.0", "lower", "105.00"),  # poverty rate below target: better than planned
        ("4.4", "4.0", "lower", "90.00"),
        ("1", "0", "higher", None),
        (None, "300", "higher", None),
    ],
)
def test_achievement_follows_the_reference_formulas(
    realisation: str | None, target: str, direction: str, expected: str | None
) -> None:
    value = achievement(
        realisation=D(realisation) if realisation else None, target=D(target), direction=direction
    )
    assert value == (D(expected) if expected else None)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("100", "ST"),
        ("91", "ST"),
        ("90.5", "T"),
        ("76", "T"),
        ("66", "S"),
        ("51", "R"),
        ("50", "SR"),
        ("0", "SR"),
    ],
)
def test_the_predicate_scale_places_each_achievement_in_its_band(value: str, code: str) -> None:
    assert predicate(D(value))[0] == code  # type: ignore[index]


def facts(**changes: object) -> RowFacts:
    base: dict[str, object] = {
        "code": "P1.1.1",
        "quarter": 2,
        "cumulative": True,
        "budget_ceiling": D("1000"),
        "beneficiary_target": 100,
        "physical": D("600"),
        "budget": D("500"),
        "beneficiaries": 80,
        "achievement": D("100"),
        "previous_physical": D("300"),
        "previous_budget": D("200"),
    }
    return RowFacts(**(base | changes))  # type: ignore[arg-type]


CASES = [
    # kind, changes, fires
    ("value_required", {}, False),
    ("value_required", {"physical": None}, True),
    ("value_required", {"budget": None}, True),
    ("budget_le_ceiling", {"budget": D("1000")}, False),
    ("budget_le_ceiling", {"budget": D("1000.01")}, True),
    ("cumulative_not_decreasing", {}, False),
    ("cumulative_not_decreasing", {"physical": D("299")}, True),
    ("cumulative_not_decreasing", {"budget": D("199")}, True),
    ("cumulative_not_decreasing", {"physical": D("1"), "cumulative": False}, False),
    ("cumulative_not_decreasing", {"previous_physical": None, "previous_budget": None}, False),
    ("beneficiaries_le_target_tolerance", {"beneficiaries": 110}, False),
    ("beneficiaries_le_target_tolerance", {"beneficiaries": 111}, True),
    (
        "beneficiaries_le_target_tolerance",
        {"beneficiaries": 999, "beneficiary_target": None},
        False,
    ),
    ("explanation_required_outside", {"achievement": D("50")}, False),
    ("explanation_required_outside", {"achievement": D("49.99")}, True),
    ("explanation_required_outside", {"achievement": D("150")}, False),
    ("explanation_required_outside", {"achievement": D("150.01")}, True),
    ("explanation_required_outside", {"achievement": None}, False),
]


@pytest.mark.parametrize(("kind", "changes", "fires"), CASES)
def test_each_rule_fires_exactly_when_its_condition_is_broken(
    kind: str, changes: dict[str, object], fires: bool
) -> None:
    rule = RULES[kind]
    finding = rule_check(
        code=rule["code"],
        kind=kind,
        params=rule["params"],
        severity=rule["severity"],
        message=rule["message"],
        facts=facts(**changes),
    )
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.row_code == "P1.1.1" and "P1.1.1" in finding.message
        assert "%(" not in finding.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "explanation", "blocked"),
    [
        ({"physical": "300", "budget": str(200 * 10**9)}, "", False),
        ({"physical": "300"}, "", True),  # error: budget missing
        ({"physical": "300", "budget": str(901 * 10**9)}, "alasan", True),  # error: over ceiling
        ({"physical": "100", "budget": "1"}, "", True),  # warning 33 % without explanation
        ({"physical": "100", "budget": "1"}, "Penyaluran tertunda verifikasi", False),
        ({"physical": "300", "budget": "1", "beneficiaries": 5000}, "", True),  # warning
    ],
)
def test_submission_is_blocked_by_errors_and_by_unexplained_warnings(
    instrument: Instrument,
    opd_operator: User,
    data: dict[str, object],
    explanation: str,
    blocked: bool,
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    fill(report, opd_operator, **data, explanation=explanation)
    if blocked:
        with pytest.raises(ValidationError):
            report_submit(report=report, by=opd_operator)
        report.refresh_from_db()
        assert report.state == ReportState.DRAFT
    else:
        assert report_submit(report=report, by=opd_operator).state == ReportState.SUBMITTED
