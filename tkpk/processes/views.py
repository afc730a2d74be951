from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tkpk.processes import selectors
from tkpk.processes.models import ProcessNode


@login_required
def node(request: HttpRequest, code: str) -> HttpResponse:
    process_node = selectors.process_node_get(user=request.user, code=code)
    ancestors: list[ProcessNode] = []
    parent = process_node.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    return render(
        request,
        "processes/node.html",
        {
            "node": process_node,
            "ancestors": ancestors,
            "children": process_node.children.order_by("code"),
        },
    )
