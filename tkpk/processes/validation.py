"""Checks a CFM diagram must pass before it becomes a version, in plain language."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from tkpk.processes import expressions
from tkpk.processes.engine import DiagramError, ParsedProcess, parse_bpmn
from tkpk.processes.lanes import role_for_lane
from tkpk.processes.screens import known_screens

SAMPLE_PARAMS = {
    "plan_year": 2027,
    "year": 2026,
    "quarter": 1,
    "election_date": date(2024, 12, 15),
    "inauguration_date": date(2025, 2, 20),
    "period_start": 2025,
    "period_end": 2029,
    "started": date(2025, 12, 1),
}


def validate_bpmn(xml: str | bytes) -> ParsedProcess:  # noqa: PLR0912 (one check per rule)
    """Parse and check a diagram; raise DiagramError listing every problem found."""
    parsed, _spec = parse_bpmn(xml)
    problems: list[str] = []
    if not parsed.lanes:
        problems.append(_("The map has no lanes: every step needs a lane naming who does it."))
    for lane in parsed.lanes:
        if role_for_lane(lane) is None:
            problems.append(
                _(
                    "Lane '%(lane)s' is not a known role (Gubernur, Ketua TKPK, Sekretariat "
                    "TKPK, Tim Penyusun, Perangkat Daerah (OPD), Pengelola Data, Wilayah, "
                    "Biro Hukum)."
                )
                % {"lane": lane}
            )
    for task in parsed.user_tasks:
        label = task.name or task.id
        if not task.lane:
            problems.append(_("Step '%(step)s' is not in any lane.") % {"step": label})
        screen = task.properties.get("screen", "generic")
        if screen not in known_screens():
            problems.append(
                _("Step '%(step)s' names an unknown screen '%(screen)s'.")
                % {"step": label, "screen": screen}
            )
        for key in ("deadline", "window_start"):
            rule = task.properties.get(key)
            if rule:
                try:
                    expressions.evaluate_deadline(rule, SAMPLE_PARAMS)
                except expressions.ExpressionError as exc:
                    problems.append(
                        _("Step '%(step)s': the %(key)s rule '%(rule)s' is wrong: %(error)s.")
                        % {"step": label, "key": key, "rule": rule, "error": exc}
                    )
    for flow in parsed.flows:
        if flow.condition:
            try:
                expressions.check_expression(flow.condition)
            except expressions.ExpressionError as exc:
                problems.append(
                    _("The condition '%(condition)s' is not allowed: %(error)s.")
                    % {"condition": flow.condition, "error": exc}
                )
    for activity in parsed.activities:
        if activity.kind == "scriptTask":
            try:
                expressions.check_script(activity.script)
            except expressions.ExpressionError as exc:
                problems.append(
                    _("Script step '%(step)s' is not allowed: %(error)s.")
                    % {"step": activity.name or activity.id, "error": exc}
                )
    if problems:
        raise DiagramError(problems)
    return parsed
