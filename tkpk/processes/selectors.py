from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tkpk.core.permissions import require_member, require_role
from tkpk.core.roles import Role
from tkpk.processes.engine import ParsedProcess, parse_bpmn
from tkpk.processes.models import NodeKind, ProcessNode, ProcessVersion, VersionStatus


@dataclass
class TreeNode:
    node: ProcessNode
    children: list[TreeNode] = field(default_factory=list)


def process_tree(*, user: Any) -> list[TreeNode]:
    """The whole catalogue as a tree (one query); every member may read the maps."""
    require_member(user)
    items = {n.code: TreeNode(n) for n in ProcessNode.objects.order_by("code")}
    roots: list[TreeNode] = []
    for item in items.values():
        parent = items.get(item.node.parent_id) if item.node.parent_id else None
        (parent.children if parent else roots).append(item)
    return roots


def process_node_get(*, user: Any, code: str) -> ProcessNode:
    require_member(user)
    node = ProcessNode.objects.select_related("parent").filter(pk=code).first()
    if node is None:
        raise Http404
    return node


def process_functions(*, user: Any) -> list[ProcessNode]:
    """The level-1 functions of the decree, for the main navigation."""
    require_member(user)
    return list(ProcessNode.objects.filter(level=1).order_by("code"))


# --- map versions ------------------------------------------------------------------------------


def process_cfm_get(*, user: Any, code: str) -> ProcessNode:
    """A cross-functional map (the only nodes that have diagrams); 404 for any other code."""
    node = process_node_get(user=user, code=code)
    if node.kind != NodeKind.CFM:
        raise Http404
    return node


def process_version_list(*, user: Any, node: ProcessNode) -> QuerySet[ProcessVersion]:
    """Every version of a map, newest first (drafts by their date, among the published)."""
    require_member(user)
    return (
        ProcessVersion.objects.filter(node=node)
        .select_related("author", "published_by")
        .order_by("-created_at", "-pk")
    )


def process_version_get(*, user: Any, node: ProcessNode, pk: int) -> ProcessVersion:
    version = process_version_list(user=user, node=node).filter(pk=pk).first()
    if version is None:
        raise Http404
    return version


def process_version_published(*, user: Any, node: ProcessNode) -> list[ProcessVersion]:
    """The published versions of a map, newest first."""
    return list(
        process_version_list(user=user, node=node)
        .filter(status=VersionStatus.PUBLISHED)
        .order_by("-number")
    )


def process_version_editable(
    *, user: Any, node: ProcessNode, pk: int | None
) -> ProcessVersion | None:
    """The version the editor opens: the given one, else the current published one.

    Only the secretariat edits maps.
    """
    require_role(user, Role.SEKRETARIAT)
    if pk is not None:
        return process_version_get(user=user, node=node, pk=pk)
    published = process_version_published(user=user, node=node)
    return published[0] if published else None


def process_version_compare_pair(
    *, user: Any, node: ProcessNode, a: int | None, b: int | None
) -> tuple[ProcessVersion | None, ProcessVersion | None]:
    """The two versions to compare: the ones asked for, by default the previous and the current
    published versions (the current one twice when there is no previous one)."""
    published = process_version_published(user=user, node=node)
    current = published[0] if published else None
    previous = published[1] if len(published) > 1 else current
    old = process_version_get(user=user, node=node, pk=a) if a is not None else previous
    new = process_version_get(user=user, node=node, pk=b) if b is not None else current
    return old, new


def process_version_parsed(*, version: ProcessVersion) -> ParsedProcess:
    """The description of a stored version (it passed validation when it was stored)."""
    parsed, _spec = parse_bpmn(version.bpmn_xml)
    return parsed


def process_activities_data(*, parsed: ParsedProcess) -> dict[str, dict[str, str]]:
    """What the diagram panel shows for each element, keyed by BPMN id (for ``json_script``)."""
    return {
        a.id: {
            "id": a.id,
            "kind": a.kind,
            "name": a.name,
            "lane": a.lane,
            "documentation": a.documentation,
            "kelengkapan": a.properties.get("kelengkapan", ""),
            "waktu": a.properties.get("waktu", ""),
            "output": a.properties.get("output", ""),
            "deadline": a.properties.get("deadline", ""),
            "window_start": a.properties.get("window_start", ""),
            "keterangan": a.properties.get("keterangan", ""),
        }
        for a in parsed.activities
    }
