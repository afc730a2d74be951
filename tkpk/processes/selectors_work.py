"""Reads for inboxes, tasks and instances, with the role and scope checks."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404

from tkpk.core.permissions import memberships_for, require_member, scope_for
from tkpk.core.roles import OVERSIGHT_ROLES, PROVINCE_WIDE_ROLES, Role
from tkpk.processes.models import (
    HumanTask,
    Notification,
    ProcessInstance,
    ProcessNode,
    TaskStatus,
)


def _actionable_q(user: Any) -> Q:
    """Tasks whose lane and scope match one of the user's memberships."""
    q = Q(pk__in=[])
    for m in memberships_for(user):
        role = Role(m.role)
        if role in PROVINCE_WIDE_ROLES:
            q |= Q(role=role)
        elif m.organisation_id:
            q |= Q(role=role) & (
                Q(organisation_id=m.organisation_id) | Q(organisation__isnull=True)
            )
        elif m.region_id:
            code = m.region_id
            q |= Q(role=role) & (
                Q(region__isnull=True) | Q(region_id=code) | Q(region__code__startswith=code + ".")
            )
    return q


def _visible_q(user: Any) -> Q:
    """What a user may look at: oversight roles see everything, others their actionable tasks
    and the tasks of their own organisation."""
    scope = scope_for(user, OVERSIGHT_ROLES)
    if not scope.is_empty:
        return Q()
    q = _actionable_q(user)
    if getattr(user, "organisation_id", None):
        q |= Q(organisation_id=user.organisation_id)
    return q


def inbox_for_user(*, user: Any) -> dict[str, QuerySet[HumanTask]]:
    require_member(user)
    base = HumanTask.objects.select_related("instance", "organisation", "region").filter(
        status=TaskStatus.OPEN
    )
    ordering: list[Any] = [F("due_date").asc(nulls_last=True), "created_at"]
    mine = base.filter(_actionable_q(user)).order_by(*ordering)
    org_tasks = base.none()
    if getattr(user, "organisation_id", None):
        org_tasks = (
            base.filter(organisation_id=user.organisation_id)
            .exclude(pk__in=mine.values("pk"))
            .order_by(*ordering)
        )
    return {"mine": mine, "organisation": org_tasks}


def task_get_for_user(*, user: Any, pk: int) -> HumanTask:
    require_member(user)
    task = (
        HumanTask.objects.select_related(
            "instance__version__node", "organisation", "region", "completed_by"
        )
        # The same tasks as on the instance page: shared (unscoped) steps can be followed.
        .filter(_visible_q(user) | Q(organisation__isnull=True, region__isnull=True), pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    return task


def instance_get_for_user(*, user: Any, pk: int) -> ProcessInstance:
    require_member(user)
    instance = (
        ProcessInstance.objects.select_related("version__node", "started_by").filter(pk=pk).first()
    )
    if instance is None:
        raise Http404
    return instance


def instance_tasks_for_user(*, user: Any, instance: ProcessInstance) -> QuerySet[HumanTask]:
    """The instance's tasks a user may follow: all for oversight roles; otherwise the shared
    (unscoped) steps plus the user's own scope — an OPD does not see other OPDs' work."""
    tasks = instance.tasks.select_related("organisation", "region", "completed_by")
    if scope_for(user, OVERSIGHT_ROLES).is_empty:
        tasks = tasks.filter(_visible_q(user) | Q(organisation__isnull=True, region__isnull=True))
    return tasks.order_by("created_at", "id")


def instance_list_for_node(*, user: Any, node: ProcessNode) -> QuerySet[ProcessInstance]:
    require_member(user)
    return ProcessInstance.objects.filter(version__node=node).select_related("version")


def cfm_get(*, user: Any, code: str) -> ProcessNode:
    require_member(user)
    node = ProcessNode.objects.select_related("parent").filter(pk=code, kind="cfm").first()
    if node is None:
        raise Http404
    return node


def notifications_for_user(*, user: Any) -> QuerySet[Notification]:
    require_member(user)
    return Notification.objects.filter(user=user).select_related("task")


def open_task_count(user: Any) -> int:
    return HumanTask.objects.filter(_actionable_q(user), status=TaskStatus.OPEN).count()
