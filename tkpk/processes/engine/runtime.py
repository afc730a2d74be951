"""Load BPMN, run workflows, serialize them: the one place that touches SpiffWorkflow.

Everything returned from here is plain data (``ParsedProcess``, ``EngineTask``, JSON text), so
the rest of the application never holds an engine object across a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from tkpk.processes import expressions

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN_NS}
USER_TASK_TAGS = ("userTask", "manualTask", "task")


class DiagramError(ValueError):
    """A BPMN file that cannot be used; ``problems`` lists what is wrong, in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Script tasks and conditions run through ``expressions`` (named helpers, no builtins)."""

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: Any = None
    ) -> Any:
        return expressions.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        expressions.execute(script, context)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise expressions.ExpressionError("service tasks are not supported")


SCRIPT_ENGINE = PythonScriptEngine(environment=RestrictedEnvironment())
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


@dataclass(frozen=True)
class Activity:
    """A flow node of the map as the SOP and the pages need it."""

    id: str
    kind: str  # userTask, exclusiveGateway, startEvent, …
    name: str
    lane: str
    documentation: str
    properties: dict[str, str]
    order: int
    script: str = ""


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    name: str
    condition: str


@dataclass
class ParsedProcess:
    process_id: str
    name: str
    lanes: list[str]
    activities: list[Activity]
    flows: list[Flow]
    warnings: list[str] = field(default_factory=list)

    @property
    def user_tasks(self) -> list[Activity]:
        return [a for a in self.activities if a.kind in USER_TASK_TAGS]

    def decision_steps(self) -> set[str]:
        """User tasks whose outcome chooses a path: marked so, or followed directly by a
        gateway whose conditions read ``decision`` (as maps from other modelers do)."""
        gateways = {f.source for f in self.flows if f.condition and "decision" in f.condition}
        marked = {t.id for t in self.user_tasks if t.properties.get("decision") == "approve_return"}
        followed = {
            f.source
            for f in self.flows
            if f.target in gateways and f.source in {t.id for t in self.user_tasks}
        }
        return marked | followed


@dataclass(frozen=True)
class EngineTask:
    id: str
    step: str
    name: str
    lane: str
    documentation: str
    properties: dict[str, str]


def _text(node: Any) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


def _properties(node: Any) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in node.iter("{*}property"):
        name = prop.get("name")
        if (
            name
            and prop.getparent() is not None
            and etree.QName(prop.getparent()).localname == "properties"
        ):
            props[name] = prop.get("value", "")
    return props


def _describe(root: Any, process: Any) -> ParsedProcess:
    lane_of: dict[str, str] = {}
    lanes: list[str] = []
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        lane_name = (lane.get("name") or "").strip()
        lanes.append(lane_name)
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = lane_name
    activities: list[Activity] = []
    flows: list[Flow] = []
    skip = {
        "laneSet",
        "lane",
        "documentation",
        "extensionElements",
        "sequenceFlow",
        "incoming",
        "outgoing",
        "dataObject",
        "dataObjectReference",
        "textAnnotation",
        "association",
    }
    for order, node in enumerate(process):
        if not isinstance(node.tag, str):
            continue
        tag = etree.QName(node).localname
        if tag == "sequenceFlow":
            cond = node.find("bpmn:conditionExpression", NS)
            flows.append(
                Flow(
                    node.get("id", ""),
                    node.get("sourceRef", ""),
                    node.get("targetRef", ""),
                    node.get("name", "") or "",
                    _text(cond),
                )
            )
            continue
        if tag in skip:
            continue
        activities.append(
            Activity(
                id=node.get("id", ""),
                kind=tag,
                name=(node.get("name") or "").strip(),
                lane=lane_of.get(node.get("id", ""), ""),
                documentation=_text(node.find("bpmn:documentation", NS)),
                properties=_properties(node),
                order=order,
                script=(node.findtext("bpmn:script", default="", namespaces=NS) or ""),
            )
        )
    return ParsedProcess(
        process_id=process.get("id", ""),
        name=process.get("name", "") or "",
        lanes=lanes,
        activities=_flow_order(activities, flows),
        flows=flows,
    )


def _flow_order(activities: list[Activity], flows: list[Flow]) -> list[Activity]:
    """Activities in the order a reader follows the map: breadth-first from the start events."""
    by_id = {a.id: a for a in activities}
    nxt: dict[str, list[str]] = {}
    for f in flows:
        nxt.setdefault(f.source, []).append(f.target)
    queue = [a.id for a in activities if a.kind == "startEvent"]
    seen: list[str] = []
    while queue:
        current = queue.pop(0)
        if current in seen or current not in by_id:
            continue
        seen.append(current)
        queue.extend(nxt.get(current, []))
    rest = [a.id for a in sorted(activities, key=lambda a: a.order) if a.id not in seen]
    return [Activity(**{**by_id[i].__dict__, "order": n}) for n, i in enumerate(seen + rest)]


def parse_bpmn(xml: str | bytes, *, source: str = "diagram.bpmn") -> tuple[ParsedProcess, Any]:
    """Parse a BPMN document; returns its description and the engine spec, or DiagramError."""
    raw = xml.encode() if isinstance(xml, str) else xml
    try:
        root = etree.fromstring(
            raw, parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as exc:
        raise DiagramError(
            [_("The file is not valid XML: %(error)s") % {"error": exc.msg}]
        ) from exc
    processes = [p for p in root.iter(f"{{{BPMN_NS}}}process")]
    if not processes:
        raise DiagramError([_("The file has no BPMN process.")])
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"] or processes
    if len(executable) > 1:
        raise DiagramError([_("The file has more than one executable process; keep one per map.")])
    process = executable[0]
    # Modelers such as bpmn.io save isExecutable="false" by default; the one process of a map
    # is the one the system runs.
    process.set("isExecutable", "true")
    described = _describe(root, process)
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(root, filename=source)
        spec = parser.get_spec(described.process_id)
        subprocesses = parser.get_subprocess_specs(described.process_id)
    except ValidationException as exc:
        raise DiagramError(
            [_("The engine cannot read the map: %(error)s") % {"error": exc}]
        ) from exc
    except Exception as exc:
        raise DiagramError(
            [_("The engine cannot read the map: %(error)s") % {"error": exc}]
        ) from exc
    if not root.findall(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram"):
        described.warnings.append("the file has no diagram layout (DI); it cannot be drawn")
    return described, (spec, subprocesses)


def _engine_task(task: Any) -> EngineTask:
    spec = task.task_spec
    props = dict((getattr(spec, "extensions", None) or {}).get("properties", {}) or {})
    return EngineTask(
        id=str(task.id),
        step=spec.name,
        name=getattr(spec, "bpmn_name", None) or spec.name,
        lane=getattr(spec, "lane", None) or "",
        documentation=getattr(spec, "documentation", "") or "",
        properties=props,
    )


class WorkflowRuntime:
    """One workflow instance, restored from and saved to JSON around each step."""

    def __init__(self, workflow: BpmnWorkflow) -> None:
        self.workflow = workflow

    @classmethod
    def start(cls, xml: str | bytes, *, data: dict[str, Any]) -> WorkflowRuntime:
        _described, (spec, subprocesses) = parse_bpmn(xml)
        workflow = BpmnWorkflow(spec, subprocesses, script_engine=SCRIPT_ENGINE)
        workflow.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        runtime = cls(workflow)
        runtime.advance()
        return runtime

    @classmethod
    def restore(cls, state: str) -> WorkflowRuntime:
        workflow = SERIALIZER.deserialize_json(state)
        workflow.script_engine = SCRIPT_ENGINE
        return cls(workflow)

    def serialize(self) -> str:
        return str(SERIALIZER.serialize_json(self.workflow))

    def advance(self) -> None:
        try:
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps()
        except SpiffWorkflowException as exc:
            raise DiagramError(
                [_("The process stopped at a step it cannot run: %(error)s") % {"error": exc}]
            ) from exc

    def ready_tasks(self) -> list[EngineTask]:
        return [
            _engine_task(t) for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
        ]

    def completed_steps(self) -> list[str]:
        return sorted(
            {t.task_spec.name for t in self.workflow.get_tasks(state=TaskState.COMPLETED)}
        )

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        task = self.workflow.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY:
            raise DiagramError([_("The task is no longer waiting.")])
        task.data.update(data)
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise DiagramError(
                [_("The step could not be completed: %(error)s") % {"error": exc}]
            ) from exc
        self.advance()

    @property
    def is_completed(self) -> bool:
        return bool(self.workflow.is_completed())
