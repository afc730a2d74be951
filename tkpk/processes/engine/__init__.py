"""The only package that imports SpiffWorkflow (see docs/style.md)."""

from tkpk.processes.engine.runtime import (
    DiagramError,
    EngineTask,
    ParsedProcess,
    WorkflowRuntime,
    parse_bpmn,
)

__all__ = ["DiagramError", "EngineTask", "ParsedProcess", "WorkflowRuntime", "parse_bpmn"]
