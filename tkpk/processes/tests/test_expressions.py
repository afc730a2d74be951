from __future__ import annotations

from datetime import date

import pytest

from tkpk.processes.expressions import (
    ExpressionError,
    check_script,
    evaluate,
    evaluate_deadline,
    execute,
)

RAT_2027 = {"plan_year": 2027}
RPKD = {"inauguration_date": date(2025, 2, 20), "election_date": date(2024, 12, 15)}


@pytest.mark.parametrize(
    ("rule", "params", "expected"),
    [
        ("date(plan_year - 2, 12, 1)", RAT_2027, date(2025, 12, 1)),
        ("date(plan_year - 2, 12, 7)", RAT_2027, date(2025, 12, 7)),
        ("end_of_month(plan_year - 1, 5)", RAT_2027, date(2026, 5, 31)),
        ("date(plan_year - 1, 7, 7)", RAT_2027, date(2026, 7, 7)),
        ("add_months(inauguration_date, 1)", RPKD, date(2025, 3, 20)),
        ("add_months(inauguration_date, 3)", RPKD, date(2025, 5, 20)),
        ("add_days(election_date, -1)", RPKD, date(2024, 12, 14)),
        (
            "add_days(quarter_end(year, quarter), 10)",
            {"year": 2026, "quarter": 1},
            date(2026, 4, 10),
        ),
        ("quarter_start(year, quarter)", {"year": 2026, "quarter": 4}, date(2026, 10, 1)),
        ("add_months(date(2025, 1, 31), 1)", {}, date(2025, 2, 28)),
        ("end_of_month(2028, 2)", {}, date(2028, 2, 29)),
    ],
)
def test_deadline_rules_compute_the_dates_of_the_decree(
    rule: str, params: dict[str, object], expected: date
) -> None:
    assert evaluate_deadline(rule, params) == expected


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "open('/etc/passwd')",
        "eval('1')",
        "().__class__.__bases__",
        "decision.__class__",
        "_secret",
        "[x for x in range(3)]",
        "lambda: 1",
    ],
)
def test_anything_beyond_the_named_helpers_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(text, {"decision": "approve"})


def test_gateway_conditions_read_task_data() -> None:
    assert evaluate('decision == "return"', {"decision": "return"}) is True
    assert evaluate('decision == "approve"', {"decision": "return"}) is False


def test_scripts_assign_variables_but_cannot_import() -> None:
    data: dict[str, object] = {"a": 2}
    execute("b = a * 3\nif b > 5:\n    big = True", data)
    assert data["b"] == 6 and data["big"] is True
    with pytest.raises(ExpressionError):
        check_script("import os")
    with pytest.raises(ExpressionError):
        execute("x = __import__('os').system('true')", data)
    with pytest.raises(ExpressionError):
        execute("date = 1", data)  # a helper cannot be replaced


def test_a_rule_that_gives_no_date_is_refused() -> None:
    with pytest.raises(ExpressionError):
        evaluate_deadline("plan_year - 1", RAT_2027)
    with pytest.raises(ExpressionError):
        evaluate_deadline("date(plan_year, 13, 1)", RAT_2027)
    with pytest.raises(ExpressionError):
        evaluate_deadline("add_months(inauguration_date, 1)", {})
