from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tkpk.core.permissions import require_member, scope_for
from tkpk.core.roles import Role
from tkpk.planning.models import MatrixRow, Plan, Snapshot
from tkpk.planning.services import DRAFTERS

# Plans are public documents of the province: every member reads them. Who may change what is
# decided by the services (drafting team: everything; an OPD: its own matrix rows).


def plan_list_for_user(*, user: Any) -> QuerySet[Plan]:
    require_member(user)
    return Plan.objects.select_related("rpkd", "instance").order_by("-year_start", "kind")


def plan_get_for_user(*, user: Any, pk: int) -> Plan:
    require_member(user)
    plan = Plan.objects.select_related("rpkd", "instance__version__node").filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def matrix_rows(*, plan: Plan) -> list[MatrixRow]:
    """The matrix in reading order: each programme followed by its rows, depth-first."""
    rows = list(
        plan.matrix.select_related("opd", "rpkd_programme", "updated_by")
        .prefetch_related("locations")
        .order_by("code")
    )
    children: dict[int | None, list[MatrixRow]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[MatrixRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            row.depth = depth  # type: ignore[attr-defined]
            ordered.append(row)
            walk(row.pk, depth + 1)

    walk(None, 0)
    return ordered


def row_get_for_user(*, user: Any, plan: Plan, pk: int) -> MatrixRow:
    require_member(user)
    row = plan.matrix.select_related("opd", "updated_by").filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def can_edit_row(*, user: Any, row: MatrixRow) -> bool:
    if row.plan.is_locked:
        return False
    if not scope_for(user, DRAFTERS).is_empty:
        return True
    return scope_for(user, [Role.OPD]).covers_organisation(row.opd_id)


def can_draft(*, user: Any, plan: Plan) -> bool:
    return not plan.is_locked and not scope_for(user, DRAFTERS).is_empty


def snapshot_get(*, plan: Plan, number: int) -> Snapshot:
    snapshot = plan.snapshots.filter(number=number).first()
    if snapshot is None:
        raise Http404
    return snapshot
