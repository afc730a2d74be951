"""Pages where process work is done: inbox, task screen, instances, SOP."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tkpk.core.permissions import has_role
from tkpk.core.roles import Role
from tkpk.processes import selectors_work as sel
from tkpk.processes.forms_work import InstanceStartForm, TaskCompleteForm, parameters_used
from tkpk.processes.models import TaskStatus
from tkpk.processes.screens import screen_is_exclusive, screen_link
from tkpk.processes.services import (
    human_task_complete,
    notification_mark_read,
    process_instance_start,
    process_version_current,
    task_can_complete,
)
from tkpk.processes.sop import sop_build, sop_docx, sop_pdf
from tkpk.processes.validation import validate_bpmn


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    lists = sel.inbox_for_user(user=request.user)
    return render(request, "processes/inbox.html", {**lists})


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = sel.task_get_for_user(user=request.user, pk=pk)
    can_complete = task.status == TaskStatus.OPEN and task_can_complete(
        task=task, user=request.user
    )
    form = TaskCompleteForm(
        request.POST or None, request.FILES or None, decision_required=task.decision_required
    )
    if request.method == "POST":
        if not can_complete or screen_is_exclusive(task.screen):
            raise PermissionDenied
        if form.is_valid():
            try:
                human_task_complete(
                    task=task,
                    by=request.user,  # type: ignore[arg-type]
                    decision=form.cleaned_data.get("decision", ""),
                    comment=form.cleaned_data["comment"],
                    files=form.cleaned_data["attachments"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The task is done."))
                return redirect("processes:instance", pk=task.instance_id)
    parsed = validate_bpmn(task.instance.version.bpmn_xml)
    activity = next((a for a in parsed.activities if a.id == task.step), None)
    return render(
        request,
        "processes/task.html",
        {
            "task": task,
            "form": form,
            "can_complete": can_complete,
            "activity": activity,
            "attachments": task.attachments.all(),
            # Steps bound to a domain screen link to it (e.g. the plan being drafted).
            "bound_plans": task.instance.plans.all() if task.screen == "planning.plan" else [],
            "bound_link": screen_link(task),
            "exclusive": screen_is_exclusive(task.screen),
        },
    )


@login_required
def task_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    task = sel.task_get_for_user(user=request.user, pk=pk)
    item = get_object_or_404(task.attachments.all(), pk=attachment_pk)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


@login_required
def instance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    instance = sel.instance_get_for_user(user=request.user, pk=pk)
    tasks = list(sel.instance_tasks_for_user(user=request.user, instance=instance))
    open_steps = sorted({t.step for t in tasks if t.status == TaskStatus.OPEN})
    done_steps = sorted({t.step for t in tasks if t.status == TaskStatus.COMPLETED})
    return render(
        request,
        "processes/instance.html",
        {
            "instance": instance,
            "tasks": tasks,
            "events": instance.events.select_related("actor"),
            "diagram": {"open": open_steps, "done": done_steps},
        },
    )


@login_required
def instance_bpmn(request: HttpRequest, pk: int) -> HttpResponse:
    instance = sel.instance_get_for_user(user=request.user, pk=pk)
    return HttpResponse(instance.version.bpmn_xml, content_type="application/xml")


@login_required
def instance_list(request: HttpRequest, code: str) -> HttpResponse:
    node = sel.cfm_get(user=request.user, code=code)
    version = process_version_current(node=node)
    can_start = has_role(request.user, Role.SEKRETARIAT) and version is not None
    form = None
    if can_start and version is not None:
        form = InstanceStartForm(
            request.POST or None, params=parameters_used(validate_bpmn(version.bpmn_xml))
        )
        if request.method == "POST" and form.is_valid():
            try:
                instance = process_instance_start(
                    code=node.code,
                    params=form.params(),
                    by=request.user,  # type: ignore[arg-type]
                    title=form.cleaned_data["title"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The process has started."))
                return redirect("processes:instance", pk=instance.pk)
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(sel.instance_list_for_node(user=request.user, node=node), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "processes/instance_list.html",
        {"node": node, "page": page, "form": form, "version": version},
    )


def _sop_for(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    node = sel.cfm_get(user=request.user, code=code)
    version = process_version_current(node=node)
    if version is None:
        raise Http404
    return node, sop_build(node=node, version=version)


@login_required
def sop(request: HttpRequest, code: str) -> HttpResponse:
    node, built = _sop_for(request, code)
    rows = [{"row": r, "cells": built.cells(r)} for r in built.rows]
    return render(request, "processes/sop.html", {"node": node, "sop": built, "rows": rows})


@login_required
def sop_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    _node, built = _sop_for(request, code)
    region = settings.TKPK_REGION_NAME
    if fmt == "pdf":
        content, ctype = sop_pdf(sop=built, region_name=region), "application/pdf"
    elif fmt == "docx":
        content = sop_docx(sop=built, region_name=region)
        ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        raise Http404
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="SOP-{built.code}.{fmt}"'
    return response


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = Paginator(sel.notifications_for_user(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "processes/notifications.html", {"page": items})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(sel.notifications_for_user(user=request.user), pk=pk)
    notification_mark_read(notification=item, by=request.user)  # type: ignore[arg-type]
    if item.task_id:
        return redirect("processes:task", pk=item.task_id)
    return redirect("processes:notifications")
