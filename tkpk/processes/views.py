"""The process catalogue and the map pages: diagram, versions, upload, editor, comparison."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tkpk.accounts.models import User
from tkpk.core.permissions import has_role, require_role
from tkpk.core.roles import Role
from tkpk.processes import selectors, services
from tkpk.processes.compare import FieldChange, ProcessDiff, process_compare
from tkpk.processes.engine import DiagramError, ParsedProcess
from tkpk.processes.engine.runtime import Flow
from tkpk.processes.forms import VersionUploadForm
from tkpk.processes.models import NodeKind, ProcessNode, ProcessVersion

# How the panel and the comparison name the kinds of BPMN elements and their attributes.
KIND_LABELS = {
    "userTask": gettext_lazy("Step"),
    "manualTask": gettext_lazy("Step"),
    "task": gettext_lazy("Step"),
    "scriptTask": gettext_lazy("Automatic step"),
    "serviceTask": gettext_lazy("Automatic step"),
    "exclusiveGateway": gettext_lazy("Decision"),
    "inclusiveGateway": gettext_lazy("Decision"),
    "eventBasedGateway": gettext_lazy("Decision"),
    "parallelGateway": gettext_lazy("Parallel paths"),
    "startEvent": gettext_lazy("Start"),
    "endEvent": gettext_lazy("End"),
    "intermediateCatchEvent": gettext_lazy("Waiting point"),
    "intermediateThrowEvent": gettext_lazy("Event"),
    "boundaryEvent": gettext_lazy("Event on a step"),
    "subProcess": gettext_lazy("Subprocess"),
    "callActivity": gettext_lazy("Subprocess"),
}
FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "lane": gettext_lazy("Lane"),
    "documentation": gettext_lazy("Description"),
    "script": gettext_lazy("Script"),
    "source": gettext_lazy("From"),
    "target": gettext_lazy("To"),
    "condition": gettext_lazy("Condition"),
    "kelengkapan": gettext_lazy("Inputs (kelengkapan)"),
    "waktu": gettext_lazy("Time (waktu)"),
    "output": gettext_lazy("Output"),
    "deadline": gettext_lazy("Deadline rule"),
    "window_start": gettext_lazy("Starts no earlier than"),
    "keterangan": gettext_lazy("Notes (keterangan)"),
    "screen": gettext_lazy("Screen"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _ancestors(node: ProcessNode) -> list[ProcessNode]:
    ancestors: list[ProcessNode] = []
    parent = node.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    return ancestors


def _diagram_context(version: ProcessVersion | None) -> dict[str, Any]:
    """What the diagram and its side panel need: the XML and a description of every step."""
    if version is None:
        return {"version": None}
    parsed = selectors.process_version_parsed(version=version)
    return {
        "version": version,
        "steps": [a for a in parsed.activities if a.name],
        "diagram": {"xml": version.bpmn_xml, "activities": _activities(parsed)},
    }


def _activities(parsed: ParsedProcess) -> dict[str, dict[str, str]]:
    data = selectors.process_activities_data(parsed=parsed)
    for item in data.values():
        item["kind_label"] = kind_label(item["kind"])
    return data


def _version_url(version: ProcessVersion) -> str:
    return reverse("processes:version", args=[version.node_id, version.pk])


@login_required
def node(request: HttpRequest, code: str) -> HttpResponse:
    process_node = selectors.process_node_get(user=request.user, code=code)
    context: dict[str, Any] = {
        "node": process_node,
        "ancestors": _ancestors(process_node),
        "children": process_node.children.order_by("code"),
    }
    if process_node.kind != NodeKind.CFM:
        return render(request, "processes/node.html", context)
    context.update(_diagram_context(services.process_version_current(node=process_node)))
    context["can_edit"] = has_role(request.user, Role.SEKRETARIAT)
    return render(request, "processes/cfm.html", context)


@login_required
@require_GET
def version_list(request: HttpRequest, code: str) -> HttpResponse:
    cfm = selectors.process_cfm_get(user=request.user, code=code)
    versions = list(selectors.process_version_list(user=request.user, node=cfm))
    return render(
        request,
        "processes/version_list.html",
        {
            "node": cfm,
            "ancestors": _ancestors(cfm),
            "versions": versions,
            "can_edit": has_role(request.user, Role.SEKRETARIAT),
        },
    )


@login_required
@require_GET
def version_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    cfm = selectors.process_cfm_get(user=request.user, code=code)
    version = selectors.process_version_get(user=request.user, node=cfm, pk=pk)
    published = selectors.process_version_published(user=request.user, node=cfm)
    earlier = [v for v in published if version.number and v.number and v.number < version.number]
    return render(
        request,
        "processes/version.html",
        {
            "node": cfm,
            "ancestors": _ancestors(cfm),
            "current": published[0] if published else None,
            "previous": earlier[0] if earlier else None,
            "can_edit": has_role(request.user, Role.SEKRETARIAT),
            **_diagram_context(version),
        },
    )


@login_required
@require_GET
def version_bpmn(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    cfm = selectors.process_cfm_get(user=request.user, code=code)
    version = selectors.process_version_get(user=request.user, node=cfm, pk=pk)
    label = f"v{version.number}" if version.number else f"draft-{version.pk}"
    response = HttpResponse(version.bpmn_xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{cfm.code}-{label}.bpmn"'
    return response


@login_required
@require_POST
def version_publish(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    require_role(request.user, Role.SEKRETARIAT)
    cfm = selectors.process_cfm_get(user=request.user, code=code)
    version = selectors.process_version_get(user=request.user, node=cfm, pk=pk)
    by: User = request.user  # type: ignore[assignment]
    version = services.process_version_publish(version=version, by=by)
    messages.success(request, _("Version %(number)s is published.") % {"number": version.number})
    return redirect(_version_url(version))


def _form_problems(form: VersionUploadForm) -> list[str]:
    problems: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        problems.extend(f"{label}: {e}" if label else str(e) for e in errors)
    return problems


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def version_upload(request: HttpRequest, code: str) -> HttpResponse:
    """A new version from a file or from pasted XML (the editor posts here and reads JSON)."""
    require_role(request.user, Role.SEKRETARIAT)
    cfm = selectors.process_cfm_get(user=request.user, code=code)
    posted = request.method == "POST"
    form = VersionUploadForm(request.POST, request.FILES) if posted else VersionUploadForm()
    problems: list[str] = []
    if posted:
        if form.is_valid():
            by: User = request.user  # type: ignore[assignment]
            try:
                version = services.process_version_create(
                    node=cfm,
                    xml=form.cleaned_data["diagram"],
                    by=by,
                    change_note=form.cleaned_data["change_note"],
                    publish=form.cleaned_data["publish"],
                )
            except DiagramError as exc:
                problems = list(exc.problems)
            else:
                if _wants_json(request):
                    return JsonResponse(
                        {
                            "ok": True,
                            "url": _version_url(version),
                            "status": version.status,
                            "number": version.number,
                        }
                    )
                if version.number:
                    message = _("Version %(number)s is published.") % {"number": version.number}
                else:
                    message = _("The draft is saved.")
                messages.success(request, message)
                return redirect(_version_url(version))
        else:
            problems = _form_problems(form)
        # Problems are an expected answer (as a form shown again), not a failed request.
        if _wants_json(request):
            return JsonResponse({"ok": False, "problems": problems})
    return render(
        request,
        "processes/version_upload.html",
        {"node": cfm, "ancestors": _ancestors(cfm), "form": form, "problems": problems},
    )


@login_required
@require_GET
def editor(request: HttpRequest, code: str) -> HttpResponse:
    require_role(request.user, Role.SEKRETARIAT)
    cfm = selectors.process_cfm_get(user=request.user, code=code)
    raw = request.GET.get("versi", "")
    version = selectors.process_version_editable(
        user=request.user, node=cfm, pk=int(raw) if raw.isdigit() else None
    )
    return render(
        request,
        "processes/editor.html",
        {
            "node": cfm,
            "ancestors": _ancestors(cfm),
            "version": version,
            "editor": {
                "xml": version.bpmn_xml if version else "",
                "save_url": reverse("processes:version_upload", args=[cfm.code]),
            },
        },
    )


def _labelled(changes: list[FieldChange], names: dict[str, str]) -> list[dict[str, str]]:
    """Changed attributes with a reader's label; kinds and flow ends in words, not ids."""
    rows = []
    for change in changes:
        old, new = change.old, change.new
        if change.field == "kind":
            old, new = kind_label(old), kind_label(new)
        elif change.field in ("source", "target"):
            old, new = names.get(old) or old, names.get(new) or new
        label = FIELD_LABELS.get(change.label, change.label)
        rows.append({"label": str(label), "old": old, "new": new})
    return rows


def _diff_rows(diff: ProcessDiff, names: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The changed steps and the flows of a comparison, ready to list."""

    def flow_row(flow: Flow, changes: list[FieldChange] | None = None) -> dict[str, Any]:
        return {
            "id": flow.id,
            "source": names.get(flow.source) or flow.source,
            "target": names.get(flow.target) or flow.target,
            "condition": flow.condition,
            "changes": _labelled(changes or [], names),
        }

    return {
        "changed_activities": [
            {"name": c.new.name or c.old.name or c.id, "changes": _labelled(c.changes, names)}
            for c in diff.changed_activities
        ],
        "added_flows": [flow_row(f) for f in diff.added_flows],
        "removed_flows": [flow_row(f) for f in diff.removed_flows],
        "changed_flows": [flow_row(c.new, c.changes) for c in diff.changed_flows],
    }


def _version_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@login_required
@require_GET
def compare(request: HttpRequest, code: str) -> HttpResponse:
    cfm = selectors.process_cfm_get(user=request.user, code=code)
    old, new = selectors.process_version_compare_pair(
        user=request.user,
        node=cfm,
        a=_version_id(request.GET.get("a")),
        b=_version_id(request.GET.get("b")),
    )
    context: dict[str, Any] = {
        "node": cfm,
        "ancestors": _ancestors(cfm),
        "versions": list(selectors.process_version_list(user=request.user, node=cfm)),
        "old": old,
        "new": new,
    }
    if old is not None and new is not None:
        old_parsed = selectors.process_version_parsed(version=old)
        new_parsed = selectors.process_version_parsed(version=new)
        diff = process_compare(old_parsed, new_parsed)
        markers = diff.markers()
        context["diff"] = diff
        names = {a.id: a.name for a in old_parsed.activities + new_parsed.activities if a.name}
        context["rows"] = _diff_rows(diff, names)
        context["diagram_a"] = {
            "xml": old.bpmn_xml,
            "activities": _activities(old_parsed),
            "markers": markers["a"],
        }
        context["diagram_b"] = {
            "xml": new.bpmn_xml,
            "activities": _activities(new_parsed),
            "markers": markers["b"],
        }
    return render(request, "processes/compare.html", context)
