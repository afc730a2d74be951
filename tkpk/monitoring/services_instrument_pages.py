"""Reads behind the instrument pages (TKPK-03.01) and the reporting calendar, and the links from
the instrument's process steps to those pages.

Every read asks ``monitoring_scope`` first, so an outsider gets a 404 and an OPD sees only the
rows of its own organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, User
from tkpk.core.permissions import has_role, scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.monitoring.models import (
    Instrument,
    InstrumentRow,
    InstrumentStatus,
    ReportingPeriod,
)
from tkpk.monitoring.selectors import instrument_rows_for_user, monitoring_scope
from tkpk.monitoring.services import (
    ADJUSTABLE,
    STEP_APPROVE,
    STEP_CONFIRM,
    STEP_DRAFT,
    STEP_FINALISE,
    STEP_PUBLISH,
    instrument_row_adjust,
)
from tkpk.planning.models import Plan, PlanKind, Stage
from tkpk.processes.models import TaskStatus
from tkpk.processes.selectors_work import instance_tasks_for_user

if TYPE_CHECKING:
    from tkpk.processes.models import HumanTask

# The instrument's way through TKPK-03.01, in order (the page draws it as a row of steps).
STATUS_ORDER: list[str] = [
    InstrumentStatus.DRAFT,
    InstrumentStatus.CONFIRMING,
    InstrumentStatus.REVIEW,
    InstrumentStatus.APPROVED,
    InstrumentStatus.PUBLISHED,
]


@dataclass
class OpdGroup:
    """The rows of one OPD in the instrument, as its part of the page shows them."""

    opd: Organisation
    rows: list[InstrumentRow] = field(default_factory=list)

    @property
    def confirmed(self) -> bool:
        return all(r.opd_confirmed_at is not None for r in self.rows)

    def _latest(self) -> InstrumentRow | None:
        confirmed = [r for r in self.rows if r.opd_confirmed_at is not None]
        return max(confirmed, key=lambda r: r.opd_confirmed_at.timestamp()) if confirmed else None  # type: ignore[union-attr]

    @property
    def confirmed_at(self) -> Any:
        latest = self._latest()
        return latest.opd_confirmed_at if latest is not None else None

    @property
    def confirmed_by(self) -> Any:
        latest = self._latest()
        return latest.opd_confirmed_by if latest is not None else None


@dataclass(frozen=True)
class InstrumentActions:
    """What the current user may do on the instrument page now."""

    edit_rows: bool
    send: bool
    finalise: bool
    decide: bool
    publish: bool
    confirm_opds: frozenset[int]


@transaction.atomic
def instrument_row_adjust_from_page(
    *,
    row: InstrumentRow,
    by: User,
    lock_version: int,
    data: dict[str, Any],
    locations: list[Any] | None = None,
) -> InstrumentRow:
    """``instrument_row_adjust`` for the row page, working around its parsing of every field
    whose name starts with "target" as a number, which refuses any text in ``target_group``.

    The service does every check (role, the instrument's state, a stale ``lock_version``) and
    the one version bump; the target group is written after it in the same transaction.
    """
    fields = dict(data)
    target_group = fields.pop("target_group", None)
    old_group = row.target_group
    row = instrument_row_adjust(
        row=row, by=by, lock_version=lock_version, data=fields, locations=locations
    )
    if target_group is not None and target_group != old_group:
        InstrumentRow.objects.filter(pk=row.pk).update(target_group=target_group)
        row.refresh_from_db()
        audit_record(
            action="monitoring.instrument_row_adjusted",
            actor=by,
            obj=row,
            detail={"changes": {"target_group": [old_group, target_group]}},
        )
    return row


def instrument_list_for_user(*, user: Any) -> QuerySet[Instrument]:
    monitoring_scope(user)
    return Instrument.objects.select_related("plan", "published_by").order_by("-year", "-number")


def rats_without_instrument() -> QuerySet[Plan]:
    """Enacted RATs of a year that has no instrument yet (the instrument is built from one)."""
    taken = Instrument.objects.values("year")
    return (
        Plan.objects.filter(kind=PlanKind.RAT, stage=Stage.ENACTED)
        .exclude(year_start__in=taken)
        .order_by("-year_start", "title")
    )


def instrument_row_get_for_user(*, user: Any, pk: int) -> InstrumentRow:
    """A row the user may see: any row for province-wide roles, its own for an OPD; else 404."""
    scope = monitoring_scope(user)
    row = (
        InstrumentRow.objects.select_related("instrument", "opd", "updated_by")
        .prefetch_related("locations")
        .filter(scope.organisation_q("opd_id"), pk=pk)
        .first()
    )
    if row is None:
        raise Http404
    return row


def instrument_opd_get_for_user(*, user: Any, instrument: Instrument, opd_pk: int) -> Organisation:
    """The OPD whose rows the user confirms: one it belongs to with rows in the instrument.

    Another OPD's rows are not there for this user (404), whatever role they hold.
    """
    monitoring_scope(user)
    if opd_pk not in scope_for(user, [Role.OPD]).organisation_ids:
        raise Http404
    opd = Organisation.objects.filter(pk=opd_pk, instrument_rows__instrument=instrument).first()
    if opd is None:
        raise Http404
    return opd


def instrument_groups(*, user: Any, instrument: Instrument) -> list[OpdGroup]:
    """The rows the user may see, grouped by OPD (ordered by the OPD's acronym)."""
    rows = instrument_rows_for_user(user=user, instrument=instrument).select_related(
        "opd_confirmed_by"
    )
    groups: dict[int, OpdGroup] = {}
    for row in rows:
        groups.setdefault(row.opd_id, OpdGroup(opd=row.opd)).rows.append(row)
    return sorted(groups.values(), key=lambda g: (g.opd.acronym or g.opd.name).lower())


def instrument_actions(
    *, user: Any, instrument: Instrument, groups: list[OpdGroup]
) -> InstrumentActions:
    status = instrument.status
    secretariat = has_role(user, Role.SEKRETARIAT)
    any_confirmed = instrument.rows.filter(opd_confirmed_at__isnull=False).exists()
    all_confirmed = not instrument.rows.filter(opd_confirmed_at__isnull=True).exists()
    own_opds = scope_for(user, [Role.OPD]).organisation_ids
    return InstrumentActions(
        edit_rows=secretariat and status in ADJUSTABLE,
        # A returned instrument keeps its confirmations: it goes straight to finalisation.
        send=secretariat and status == InstrumentStatus.DRAFT and not any_confirmed,
        finalise=secretariat
        and (
            status == InstrumentStatus.CONFIRMING
            or (status == InstrumentStatus.DRAFT and all_confirmed)
        ),
        decide=has_role(user, Role.KETUA) and status == InstrumentStatus.REVIEW,
        publish=secretariat and status == InstrumentStatus.APPROVED,
        confirm_opds=frozenset(
            g.opd.pk
            for g in groups
            if status == InstrumentStatus.CONFIRMING and g.opd.pk in own_opds
        ),
    )


def instrument_steps(*, instrument: Instrument) -> list[dict[str, Any]]:
    """The statuses of TKPK-03.01 in order, each marked done, current or to come."""
    position = STATUS_ORDER.index(instrument.status)
    return [
        {
            "status": status,
            "label": InstrumentStatus(status).label,
            "done": index < position,
            "current": index == position,
        }
        for index, status in enumerate(STATUS_ORDER)
    ]


def instrument_tasks(*, user: Any, instrument: Instrument) -> list[HumanTask]:
    """The instrument's process steps the user may follow (open and done), oldest first."""
    if instrument.instance is None:
        return []
    return list(instance_tasks_for_user(user=user, instance=instrument.instance))


def instrument_snapshot_rows(*, user: Any, instrument: Instrument) -> list[dict[str, Any]]:
    """The frozen rows of a published instrument that the user may see."""
    if not instrument.snapshot:
        return []
    scope = monitoring_scope(user)
    rows: list[dict[str, Any]] = list(instrument.snapshot.get("rows", []))
    if scope.province_wide:
        return rows
    own = {o.acronym or o.name for o in Organisation.objects.filter(pk__in=scope.organisation_ids)}
    return [r for r in rows if r.get("opd") in own]


def calendar_instrument(*, user: Any, year: int) -> Instrument | None:
    """The published instrument of the year (its latest version), if any."""
    monitoring_scope(user)
    return (
        Instrument.objects.filter(year=year, status=InstrumentStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


def calendar_years(*, user: Any) -> list[int]:
    monitoring_scope(user)
    years = Instrument.objects.filter(status=InstrumentStatus.PUBLISHED).values_list(
        "year", flat=True
    )
    return sorted(set(years), reverse=True)


def calendar_periods(*, instrument: Instrument) -> list[ReportingPeriod]:
    return list(instrument.periods.select_related("updated_by").order_by("quarter"))


# --- links from the process steps (tkpk.processes.screens) -------------------------------------


def _instrument_of(task: HumanTask) -> Instrument | None:
    return Instrument.objects.filter(instance_id=task.instance_id).order_by("-number").first()


def instrument_task_link(task: HumanTask) -> tuple[str, str] | None:
    """Screen ``monitoring.instrument``: Task_INS_01 (draft), _03 (finalise), _05 (publish)."""
    try:
        instrument = _instrument_of(task)
        if instrument is None:
            # The process was started by hand: the draft is built on the instruments page.
            return reverse("monitoring:instruments"), _("Build the instrument from the RAT")
        url = reverse("monitoring:instrument", args=[instrument.pk])
    except NoReverseMatch:
        return None
    labels = {
        STEP_DRAFT: (_("Review the draft and send it to the OPDs"), "#instrument-actions"),
        STEP_FINALISE: (_("Finalise the instrument for the Ketua"), "#instrument-actions"),
        STEP_PUBLISH: (_("Publish the instrument"), "#instrument-actions"),
    }
    label, anchor = labels.get(task.step, (_("Open the instrument"), ""))
    return url + anchor, label


def instrument_confirm_link(task: HumanTask) -> tuple[str, str] | None:
    """Screen ``monitoring.confirm``: Task_INS_02, one per OPD (its part of the page)."""
    instrument = _instrument_of(task)
    if instrument is None:
        return None
    try:
        url = reverse("monitoring:instrument", args=[instrument.pk])
    except NoReverseMatch:
        return None
    anchor = f"#opd-{task.organisation_id}" if task.organisation_id else ""
    return url + anchor, _("Check and confirm your rows")


def instrument_approve_link(task: HumanTask) -> tuple[str, str] | None:
    """Screen ``monitoring.approve``: Task_INS_04 (the Ketua approves or returns)."""
    instrument = _instrument_of(task)
    if instrument is None:
        return None
    try:
        url = reverse("monitoring:instrument", args=[instrument.pk])
    except NoReverseMatch:
        return None
    return url + "#instrument-decision", _("Approve or return the instrument")


STEP_LINKS = {
    STEP_DRAFT: instrument_task_link,
    STEP_CONFIRM: instrument_confirm_link,
    STEP_FINALISE: instrument_task_link,
    STEP_APPROVE: instrument_approve_link,
    STEP_PUBLISH: instrument_task_link,
}


def open_task_steps(tasks: list[HumanTask]) -> list[HumanTask]:
    return [t for t in tasks if t.status == TaskStatus.OPEN]
