"""Foster–Greer–Thorbecke poverty indices (domain.md §6.3), pure functions without Django.

``P_α = Σ_i w_i · ((z − y_i) / z)^α · [y_i < z] / Σ_i w_i`` with survey weights ``w_i``,
per-capita expenditure ``y_i`` and poverty line ``z``; α = 0 headcount (P0), 1 depth (P1),
2 severity (P2). BPS publishes all three multiplied by 100, and so does ``fgt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

HUNDRED = Decimal(100)


class FgtError(ValueError):
    """The inputs cannot give an index (lengths differ, no weight, a non-positive line)."""


def fgt(
    *,
    expenditure: Sequence[Decimal],
    weights: Sequence[Decimal],
    poverty_line: Decimal,
    alpha: int,
) -> Decimal:
    """The weighted FGT index P_alpha × 100 (not rounded)."""
    if alpha not in (0, 1, 2):
        raise FgtError("alpha must be 0, 1 or 2")
    if len(expenditure) != len(weights):
        raise FgtError("expenditure and weights differ in length")
    if poverty_line <= 0:
        raise FgtError("the poverty line must be positive")
    total = sum(weights, Decimal(0))
    if total <= 0:
        raise FgtError("the weights sum to zero")
    poor = Decimal(0)
    for y, w in zip(expenditure, weights, strict=True):
        if y < poverty_line:
            gap = (poverty_line - y) / poverty_line
            poor += w * (gap**alpha if alpha else Decimal(1))
    return poor / total * HUNDRED
