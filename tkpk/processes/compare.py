"""What changed between two versions of a map: a pure function over two ``ParsedProcess``.

Elements are matched by their BPMN id (modelers keep ids when a step is renamed or moved), lanes
by their name. Nothing here touches the database or the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tkpk.processes.engine import ParsedProcess
from tkpk.processes.engine.runtime import Activity, Flow

# The attributes of a step a reader cares about, in the order they are listed.
ACTIVITY_FIELDS = ("name", "kind", "lane", "documentation", "script")
FLOW_FIELDS = ("source", "target", "condition", "name")


@dataclass(frozen=True)
class FieldChange:
    """One attribute that differs. ``field`` is an attribute name or ``property:<name>``."""

    field: str
    old: str
    new: str

    @property
    def is_property(self) -> bool:
        return self.field.startswith("property:")

    @property
    def label(self) -> str:
        return self.field.removeprefix("property:")


@dataclass(frozen=True)
class ActivityChange:
    old: Activity
    new: Activity
    changes: list[FieldChange]

    @property
    def id(self) -> str:
        return self.new.id


@dataclass(frozen=True)
class FlowChange:
    old: Flow
    new: Flow
    changes: list[FieldChange]

    @property
    def id(self) -> str:
        return self.new.id


@dataclass
class ProcessDiff:
    added_activities: list[Activity] = field(default_factory=list)
    removed_activities: list[Activity] = field(default_factory=list)
    changed_activities: list[ActivityChange] = field(default_factory=list)
    added_lanes: list[str] = field(default_factory=list)
    removed_lanes: list[str] = field(default_factory=list)
    added_flows: list[Flow] = field(default_factory=list)
    removed_flows: list[Flow] = field(default_factory=list)
    changed_flows: list[FlowChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.added_activities
            or self.removed_activities
            or self.changed_activities
            or self.added_lanes
            or self.removed_lanes
            or self.added_flows
            or self.removed_flows
            or self.changed_flows
        )

    def markers(self) -> dict[str, dict[str, list[str]]]:
        """Element ids (and lane names) to highlight on the old ("a") and new ("b") diagram."""
        changed_activities = [c.id for c in self.changed_activities]
        changed_flows = [c.id for c in self.changed_flows]
        return {
            "a": {
                "removed": [a.id for a in self.removed_activities]
                + [f.id for f in self.removed_flows],
                "changed": changed_activities + changed_flows,
                "added": [],
                "removed_lanes": list(self.removed_lanes),
                "added_lanes": [],
            },
            "b": {
                "added": [a.id for a in self.added_activities] + [f.id for f in self.added_flows],
                "changed": changed_activities + changed_flows,
                "removed": [],
                "added_lanes": list(self.added_lanes),
                "removed_lanes": [],
            },
        }


def _activity_changes(old: Activity, new: Activity) -> list[FieldChange]:
    changes = [
        FieldChange(name, str(getattr(old, name)), str(getattr(new, name)))
        for name in ACTIVITY_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
    keys = list(old.properties) + [k for k in new.properties if k not in old.properties]
    changes.extend(
        FieldChange(f"property:{key}", old.properties.get(key, ""), new.properties.get(key, ""))
        for key in keys
        if old.properties.get(key, "") != new.properties.get(key, "")
    )
    return changes


def _flow_changes(old: Flow, new: Flow) -> list[FieldChange]:
    return [
        FieldChange(name, str(getattr(old, name)), str(getattr(new, name)))
        for name in FLOW_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]


def process_compare(old: ParsedProcess, new: ParsedProcess) -> ProcessDiff:
    """The differences that turn ``old`` into ``new``, each list in the reading order of its map.

    Added and changed items follow ``new``; removed ones follow ``old``.
    """
    diff = ProcessDiff()
    old_activities = {a.id: a for a in old.activities}
    new_activities = {a.id: a for a in new.activities}
    for activity in new.activities:
        before = old_activities.get(activity.id)
        if before is None:
            diff.added_activities.append(activity)
        elif changes := _activity_changes(before, activity):
            diff.changed_activities.append(ActivityChange(before, activity, changes))
    diff.removed_activities = [a for a in old.activities if a.id not in new_activities]

    diff.added_lanes = [lane for lane in new.lanes if lane not in old.lanes]
    diff.removed_lanes = [lane for lane in old.lanes if lane not in new.lanes]

    old_flows = {f.id: f for f in old.flows}
    new_flows = {f.id: f for f in new.flows}
    for flow in new.flows:
        before_flow = old_flows.get(flow.id)
        if before_flow is None:
            diff.added_flows.append(flow)
        elif flow_changes := _flow_changes(before_flow, flow):
            diff.changed_flows.append(FlowChange(before_flow, flow, flow_changes))
    diff.removed_flows = [f for f in old.flows if f.id not in new_flows]
    return diff
