"""A small, safe expression and script language for process maps.

BPMN files carry Python-like text: gateway conditions (``decision == "return"``), deadline
rules (``add_months(inauguration_date, 3)``) and script tasks. Such text comes from whoever
uploads a map, so it is never given to ``eval``/``exec`` as is. It is parsed, every node of the
syntax tree is checked against a short whitelist (no attribute access, no names starting with
an underscore, calls only to named helpers), and only then evaluated with no builtins.
"""

from __future__ import annotations

import ast
import calendar
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any


class ExpressionError(ValueError):
    """The text is not allowed or cannot be evaluated; the message is for people."""


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ExpressionError(f"{value!r} is not a date (YYYY-MM-DD)") from exc
    raise ExpressionError(f"{value!r} is not a date")


def h_date(year: int, month: int, day: int) -> date:
    return date(int(year), int(month), int(day))


def h_end_of_month(year: int, month: int) -> date:
    return date(int(year), int(month), calendar.monthrange(int(year), int(month))[1])


def h_add_days(value: Any, days: int) -> date:
    return _as_date(value) + timedelta(days=int(days))


def h_add_months(value: Any, months: int) -> date:
    d = _as_date(value)
    index = d.month - 1 + int(months)
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def h_quarter_start(year: int, quarter: int) -> date:
    if int(quarter) not in (1, 2, 3, 4):
        raise ExpressionError(f"quarter {quarter} is not 1–4")
    return date(int(year), 3 * int(quarter) - 2, 1)


def h_quarter_end(year: int, quarter: int) -> date:
    if int(quarter) not in (1, 2, 3, 4):
        raise ExpressionError(f"quarter {quarter} is not 1–4")
    return h_end_of_month(int(year), 3 * int(quarter))


HELPERS: dict[str, Callable[..., Any]] = {
    "date": h_date,
    "end_of_month": h_end_of_month,
    "add_days": h_add_days,
    "add_months": h_add_months,
    "quarter_start": h_quarter_start,
    "quarter_end": h_quarter_end,
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "str": str,
    "int": int,
}

_EXPRESSION_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.Subscript,
    ast.Slice,
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.keyword,
)
_STATEMENT_NODES: tuple[type[ast.AST], ...] = (
    ast.Module,
    ast.Assign,
    ast.AugAssign,
    ast.If,
    ast.Expr,
    ast.Store,
    ast.Pass,
)


def _check(tree: ast.AST, allowed: tuple[type[ast.AST], ...], helpers: Mapping[str, Any]) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise ExpressionError(f"'{type(node).__name__}' is not allowed in a process map")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"the name '{node.id}' is not allowed")
        if isinstance(node, ast.Call) and (
            not isinstance(node.func, ast.Name) or node.func.id not in helpers
        ):
            name = node.func.id if isinstance(node.func, ast.Name) else "?"
            raise ExpressionError(f"'{name}' is not a known helper function")
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not isinstance(target, ast.Name):
                    raise ExpressionError("only plain variables can be assigned")
                if target.id in helpers:
                    raise ExpressionError(f"'{target.id}' is a helper and cannot be assigned")


def _globals(helpers: Mapping[str, Any]) -> dict[str, Any]:
    return {"__builtins__": {}, **helpers}


def check_expression(text: str, *, helpers: Mapping[str, Any] = HELPERS) -> ast.Expression:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot read the expression: {exc.msg}") from exc
    _check(tree, _EXPRESSION_NODES, helpers)
    return tree


def evaluate(
    text: str, variables: Mapping[str, Any], *, helpers: Mapping[str, Any] = HELPERS
) -> Any:
    tree = check_expression(text, helpers=helpers)
    scope = _globals(helpers)
    scope.update({k: v for k, v in variables.items() if not k.startswith("_")})
    try:
        return eval(compile(tree, "<process-map>", "eval"), scope)  # noqa: S307 (checked tree, no builtins)
    except ExpressionError:
        raise
    except NameError as exc:
        raise ExpressionError(f"unknown name: {exc.name}") from exc
    except Exception as exc:
        raise ExpressionError(f"cannot evaluate {text!r}: {exc}") from exc


def check_script(text: str, *, helpers: Mapping[str, Any] = HELPERS) -> ast.Module:
    try:
        tree = ast.parse(text or "", mode="exec")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot read the script: {exc.msg}") from exc
    _check(tree, _EXPRESSION_NODES + _STATEMENT_NODES, helpers)
    return tree


def execute(text: str, variables: dict[str, Any], *, helpers: Mapping[str, Any] = HELPERS) -> None:
    """Run a script task's text; assignments land in ``variables``."""
    tree = check_script(text, helpers=helpers)
    scope = _globals(helpers)
    local: dict[str, Any] = {k: v for k, v in variables.items() if not k.startswith("_")}
    try:
        exec(compile(tree, "<process-map>", "exec"), scope, local)  # noqa: S102 (checked tree, no builtins)
    except Exception as exc:
        raise ExpressionError(f"the script failed: {exc}") from exc
    variables.update({k: v for k, v in local.items() if k not in helpers})


DEADLINE_VARIABLES = (
    "plan_year",
    "year",
    "quarter",
    "election_date",
    "inauguration_date",
    "period_start",
    "period_end",
    "started",
)


def evaluate_deadline(text: str, params: Mapping[str, Any]) -> date:
    value = evaluate(text, params)
    if not isinstance(value, date):
        raise ExpressionError(f"the deadline {text!r} does not give a date")
    return value
