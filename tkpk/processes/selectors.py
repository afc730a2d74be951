from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from tkpk.core.permissions import require_member
from tkpk.processes.models import ProcessNode


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
