"""Achievement, predicates and the validation rules (pure functions, no database access).

Achievement follows processes.md §4: higher-is-better ``realisasi / target × 100``;
lower-is-better ``(2·target − realisasi) / target × 100``. A rule is a row of data (kind from a
whitelist, parameters, severity, message); ``rule_check`` evaluates one rule on one value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# (lowest achievement, code, label) from the top band down; processes.md §4.
PREDICATE_BANDS: list[tuple[Decimal, str, str]] = [
    (Decimal(91), "ST", "Sangat Tinggi"),
    (Decimal(76), "T", "Tinggi"),
    (Decimal(66), "S", "Sedang"),
    (Decimal(51), "R", "Rendah"),
    (Decimal("-Infinity"), "SR", "Sangat Rendah"),
]


def achievement(
    *, realisation: Decimal | None, target: Decimal | None, direction: str
) -> Decimal | None:
    """Percentage of the target reached; None when either is missing or the target is zero."""
    if realisation is None or target is None or target == 0:
        return None
    if direction == "lower":
        value = (2 * target - realisation) / target * HUNDRED
    else:
        value = realisation / target * HUNDRED
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def predicate(value: Decimal | None) -> tuple[str, str] | None:
    """(code, label) of the band an achievement falls in: ≥ 91 ST, 76–90 T, 66–75 S, 51–65 R,
    ≤ 50 SR (a value between bands, e.g. 90.5, belongs to the lower one)."""
    if value is None:
        return None
    for lowest, code, label in PREDICATE_BANDS:
        if value >= lowest:
            return code, label
    return None  # pragma: no cover (the last band has no lower bound)


@dataclass(frozen=True)
class RowFacts:
    """What a rule may look at: the instrument row, this quarter's value and the previous one."""

    code: str
    quarter: int
    cumulative: bool
    budget_ceiling: Decimal
    beneficiary_target: int | None
    physical: Decimal | None
    budget: Decimal | None
    beneficiaries: int | None
    achievement: Decimal | None
    previous_physical: Decimal | None = None
    previous_budget: Decimal | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    row_code: str
    message: str


class RuleError(ValueError):
    """A rule's parameters do not fit its kind (a configuration problem, not the OPD's)."""


def _decimal(params: dict[str, Any], key: str, default: str) -> Decimal:
    try:
        return Decimal(str(params.get(key, default)))
    except ArithmeticError as exc:
        raise RuleError(f"parameter {key!r} is not a number") from exc


def _violates(kind: str, params: dict[str, Any], f: RowFacts) -> dict[str, Any] | None:  # noqa: PLR0911 (one return per kind)
    """Placeholders for the message when the check fails, None when it passes."""
    if kind == "value_required":
        if f.physical is None or f.budget is None:
            return {}
        return None
    if kind == "budget_le_ceiling":
        limit = f.budget_ceiling * (1 + _decimal(params, "tolerance", "0"))
        if f.budget is not None and f.budget > limit:
            return {"budget": f.budget, "ceiling": f.budget_ceiling}
        return None
    if kind == "cumulative_not_decreasing":
        fields = params.get("fields", ["physical", "budget"])
        for field in fields:
            if field == "physical" and not f.cumulative:
                continue
            now, before = getattr(f, field, None), getattr(f, f"previous_{field}", None)
            if now is not None and before is not None and now < before:
                return {"field": field, "value": now, "previous": before}
        return None
    if kind == "beneficiaries_le_target_tolerance":
        tolerance = _decimal(params, "tolerance", "1")
        if (
            f.beneficiaries is not None
            and f.beneficiary_target is not None
            and f.beneficiaries > f.beneficiary_target * tolerance
        ):
            return {
                "beneficiaries": f.beneficiaries,
                "target": f.beneficiary_target,
                "tolerance": tolerance,
            }
        return None
    if kind == "explanation_required_outside":
        low, high = _decimal(params, "low", "50"), _decimal(params, "high", "150")
        if f.achievement is not None and not low <= f.achievement <= high:
            return {"achievement": f.achievement, "low": low, "high": high}
        return None
    raise RuleError(f"unknown rule kind {kind!r}")


def rule_check(
    *, code: str, kind: str, params: dict[str, Any], severity: str, message: str, facts: RowFacts
) -> Finding | None:
    placeholders = _violates(kind, params or {}, facts)
    if placeholders is None:
        return None
    values = {"code": facts.code, "quarter": facts.quarter, **placeholders}
    try:
        text = message % values
    except (KeyError, ValueError, TypeError):
        text = message
    return Finding(rule=code, severity=severity, row_code=facts.code, message=text)


# The seeded rule table (Indonesian messages are data, shown to the OPD as written).
SEEDED_RULES: list[dict[str, Any]] = [
    {
        "code": "realisasi-wajib",
        "kind": "value_required",
        "params": {},
        "severity": "error",
        "message": "%(code)s: realisasi fisik dan realisasi anggaran wajib diisi.",
    },
    {
        "code": "anggaran-maks-pagu",
        "kind": "budget_le_ceiling",
        "params": {"tolerance": "0"},
        "severity": "error",
        "message": "%(code)s: realisasi anggaran Rp%(budget)s melebihi pagu Rp%(ceiling)s.",
    },
    {
        "code": "kumulatif-tidak-turun",
        "kind": "cumulative_not_decreasing",
        "params": {"fields": ["physical", "budget"]},
        "severity": "error",
        "message": "%(code)s: realisasi kumulatif (%(field)s) %(value)s lebih kecil daripada "
        "triwulan sebelumnya (%(previous)s).",
    },
    {
        "code": "penerima-maks-target",
        "kind": "beneficiaries_le_target_tolerance",
        "params": {"tolerance": "1.1"},
        "severity": "warning",
        "message": "%(code)s: jumlah penerima manfaat %(beneficiaries)s melebihi target "
        "%(target)s × %(tolerance)s; jelaskan.",
    },
    {
        "code": "penjelasan-capaian",
        "kind": "explanation_required_outside",
        "params": {"low": "50", "high": "150"},
        "severity": "warning",
        "message": "%(code)s: capaian %(achievement)s%% di luar rentang %(low)s–%(high)s%%; "
        "jelaskan penyebabnya.",
    },
]
