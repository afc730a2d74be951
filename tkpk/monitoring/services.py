"""The M&E instrument (TKPK-03.01) and the reporting calendar.

Process binding (by step id, so instances started from an older map version still bind):
Task_INS_01 (Sekretariat drafts) ← ``instrument_send_for_confirmation``;
Task_INS_02 (each OPD confirms) ← ``instrument_opd_confirm``;
Task_INS_03 (Sekretariat finalises) ← ``instrument_finalise``;
Task_INS_04 (Ketua approves / returns) ← ``instrument_approve`` / ``instrument_return``;
Task_INS_05 (Sekretariat publishes) ← ``instrument_publish``.
Quarterly reporting (TKPK-03.02) lives in ``services_reports``; ``monitoring_tick`` opens and
locks periods on their dates.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, User
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.monitoring.models import (
    Aggregation,
    Instrument,
    InstrumentRow,
    InstrumentStatus,
    PeriodState,
    ReportingPeriod,
    ValidationRule,
)
from tkpk.monitoring.rules import SEEDED_RULES
from tkpk.planning.models import MatrixRow, Plan, PlanKind, RowLevel
from tkpk.planning.services import ConcurrentEditError
from tkpk.processes.expressions import h_quarter_end
from tkpk.processes.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    ProcessNode,
    TaskStatus,
)
from tkpk.processes.services import (
    human_task_complete,
    process_instance_start,
    process_version_current,
    task_can_complete,
)

INSTRUMENT_PROCESS = "TKPK-03.01.CFM.01"
REPORTING_PROCESS = "TKPK-03.02.CFM.01"
STEP_DRAFT = "Task_INS_01_Rancangan"
STEP_CONFIRM = "Task_INS_02_Konfirmasi"
STEP_FINALISE = "Task_INS_03_Finalisasi"
STEP_APPROVE = "Task_INS_04_Setujui"
STEP_PUBLISH = "Task_INS_05_Terbitkan"
STEP_OPEN = "Task_TW_01_BukaPeriode"
STEP_REPORT = "Task_TW_02_LaporOPD"
STEP_VERIFY = "Task_TW_03_Verifikasi"
STEP_LOCK = "Task_TW_04_Kunci"
# Reporting calendar defaults (days after the quarter ends); settings may override them.
DEFAULT_DUE_DAYS = 10
DEFAULT_LOCK_DAYS = 25
ADJUSTABLE = (InstrumentStatus.DRAFT, InstrumentStatus.CONFIRMING)
ROW_FIELDS = {
    "indicator",
    "unit",
    "direction",
    "aggregation",
    "target",
    "target_q1",
    "target_q2",
    "target_q3",
    "target_q4",
    "budget_ceiling",
    "beneficiary_target",
    "target_group",
    "source_of_funds",
    "opd",
}


# --- shared helpers ----------------------------------------------------------------------------


def require_secretariat(by: Any, *, allow_system: bool = False) -> None:
    """The secretariat (or, where allowed, the system itself: ``by=None``) may do this."""
    if by is None and allow_system:
        return
    if scope_for(by, [Role.SEKRETARIAT]).is_empty:
        raise PermissionDenied(_("Only the TKPK secretariat may do this."))


def require_opd(by: Any, organisation_id: int) -> None:
    if not scope_for(by, [Role.OPD]).covers_organisation(organisation_id):
        raise PermissionDenied(_("An OPD works only on its own rows."))


def versioned_update(
    model: type[Model], obj: Any, lock_version: int, fields: dict[str, Any], by: User | None
) -> None:
    """Write ``fields`` only if nobody saved since ``lock_version`` was read."""
    updated = model._default_manager.filter(pk=obj.pk, lock_version=lock_version).update(
        **fields, lock_version=lock_version + 1, updated_by=by, updated_at=timezone.now()
    )
    if updated != 1:
        current: Any = model._default_manager.select_related("updated_by").get(pk=obj.pk)
        who = current.updated_by.get_full_name() if current.updated_by else _("someone")
        raise ConcurrentEditError(
            _(
                "%(who)s saved this item after you opened it. Your changes were not saved; "
                "reload to see theirs, then apply yours again."
            )
            % {"who": who}
        )
    obj.refresh_from_db()


def task_open(
    instance_id: int | None, step: str, *, organisation_id: int | None = None
) -> HumanTask | None:
    if instance_id is None:
        return None
    tasks = HumanTask.objects.filter(instance_id=instance_id, step=step, status=TaskStatus.OPEN)
    if organisation_id is not None:
        tasks = tasks.filter(organisation_id=organisation_id)
    return tasks.order_by("created_at").first()


def task_complete_if_open(
    *,
    instance_id: int | None,
    step: str,
    by: User | None,
    organisation_id: int | None = None,
    decision: str = "",
    comment: str = "",
) -> bool:
    """Complete the bound process step when it is open and ``by`` may complete it."""
    task = task_open(instance_id, step, organisation_id=organisation_id)
    if task is None or by is None or not task_can_complete(task=task, user=by):
        return False
    human_task_complete(task=task, by=by, decision=decision, comment=comment)
    return True


def instance_for(code: str, **params: int) -> ProcessInstance | None:
    """The running instance of a map started for these parameters (e.g. year and quarter)."""
    for instance in ProcessInstance.objects.filter(
        version__node_id=code, status=InstanceStatus.RUNNING
    ).order_by("started_at"):
        if all(str(instance.params.get(k)) == str(v) for k, v in params.items()):
            return instance
    return None


def instance_start_or_attach(
    code: str, *, params: dict[str, Any], by: User | None
) -> ProcessInstance | None:
    """Attach the running instance for these parameters, or start one; None when the map has
    no published version (the domain works without the process; the steps are then not bound)."""
    keys = {k: v for k, v in params.items() if k in ("year", "quarter")}
    existing = instance_for(code, **keys)
    if existing is not None:
        return existing
    node = ProcessNode.objects.filter(pk=code).first()
    if node is None or process_version_current(node=node) is None:
        return None
    return process_instance_start(code=code, params=params, by=by)


# Numeric instrument-row fields (``target_group`` is text, although it starts with "target").
NUMERIC_ROW_FIELDS = frozenset(
    {"target", "target_q1", "target_q2", "target_q3", "target_q4", "budget_ceiling"}
)


def _decimal(value: Any, field: str, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a number.")})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return number


# --- instrument --------------------------------------------------------------------------------


def _programme_name(row: MatrixRow, by_pk: dict[int, MatrixRow]) -> str:
    node = row
    while node.parent_id is not None and node.parent_id in by_pk:
        node = by_pk[node.parent_id]
        if node.level == RowLevel.PROGRAMME:
            return node.name
    return ""


def _aggregation_for(row: MatrixRow) -> str:
    """Cumulative when the RAT's quarterly targets never decrease and end at the year's target."""
    quarters = [row.target_q1, row.target_q2, row.target_q3, row.target_q4]
    if all(q is not None for q in quarters) and row.target is not None:
        rising = all(a <= b for a, b in zip(quarters, quarters[1:], strict=False))  # type: ignore[operator]
        if rising and quarters[-1] == row.target:
            return Aggregation.CUMULATIVE
        return Aggregation.PER_QUARTER
    return Aggregation.CUMULATIVE


@transaction.atomic
def instrument_build_from_rat(*, plan: Plan, by: User | None) -> Instrument:
    """Draft the year's instrument from the enacted RAT: one row per sub-activity indicator.

    Starts (or attaches) the TKPK-03.01 process for the year, with one confirmation task per
    OPD that has rows.
    """
    require_secretariat(by, allow_system=True)
    if plan.kind != PlanKind.RAT or not plan.is_locked:
        raise ValidationError(_("The instrument is built from an enacted RAT."))
    year = plan.year_start
    if Instrument.objects.filter(year=year).exists():
        raise ValidationError(_("The instrument for %(year)s already exists.") % {"year": year})
    matrix = {r.pk: r for r in plan.matrix.select_related("opd").prefetch_related("locations")}
    sources = [
        r
        for r in sorted(matrix.values(), key=lambda r: r.code)
        if r.level == RowLevel.SUB_ACTIVITY and r.indicator.strip()
    ]
    if not sources:
        raise ValidationError(_("The RAT has no sub-activity with an indicator."))
    instrument = Instrument(year=year, plan=plan, updated_by=by)
    instrument.full_clean()
    instrument.save()
    for source in sources:
        row = InstrumentRow(
            instrument=instrument,
            source_row=source,
            code=source.code,
            programme=_programme_name(source, matrix),
            name=source.name,
            indicator=source.indicator,
            unit=source.unit,
            direction=source.direction or "higher",
            aggregation=_aggregation_for(source),
            target=source.target,
            target_q1=source.target_q1,
            target_q2=source.target_q2,
            target_q3=source.target_q3,
            target_q4=source.target_q4,
            budget_ceiling=source.budget,
            # The RAT states no separate beneficiary target: rows counting people or
            # households start from the year's target; the secretariat adjusts.
            beneficiary_target=int(source.target) if source.target is not None else None,
            opd=source.opd,
            target_group=source.target_group,
            source_of_funds=source.source_of_funds,
            updated_by=by,
        )
        row.full_clean()
        row.save()
        row.locations.set(source.locations.all())
    acronyms = sorted({r.opd.acronym for r in sources if r.opd.acronym})
    instrument.instance = instance_start_or_attach(
        INSTRUMENT_PROCESS, params={"year": year, "opds": acronyms}, by=by
    )
    instrument.save(update_fields=["instance"])
    audit_record(
        action="monitoring.instrument_built",
        actor=by,
        obj=instrument,
        detail={"plan": plan.pk, "rows": len(sources)},
    )
    return instrument


@transaction.atomic
def instrument_row_adjust(
    *,
    row: InstrumentRow,
    by: User,
    lock_version: int,
    data: dict[str, Any],
    locations: list[Any] | None = None,
) -> InstrumentRow:
    """The secretariat adjusts a row before the instrument goes to the Ketua."""
    require_secretariat(by)
    instrument = Instrument.objects.select_for_update().get(pk=row.instrument_id)
    if instrument.status not in ADJUSTABLE:
        raise ValidationError(_("The instrument can no longer be changed."))
    unknown = set(data) - ROW_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    candidate = InstrumentRow.objects.get(pk=row.pk)
    for key, raw in data.items():
        value = raw
        if key in NUMERIC_ROW_FIELDS:
            value = _decimal(raw, key, required=key == "budget_ceiling")
        setattr(candidate, key, value)
    candidate.full_clean()
    fields = {
        (f"{k}_id" if isinstance(v, Model) else k): (v.pk if isinstance(v, Model) else v)
        for k, v in ((k, getattr(candidate, k)) for k in data)
    }
    old = {k: str(getattr(row, k)) for k in data}
    versioned_update(InstrumentRow, row, lock_version, fields, by)
    if locations is not None:
        row.locations.set(locations)
    audit_record(
        action="monitoring.instrument_row_adjusted",
        actor=by,
        obj=row,
        detail={"changes": {k: [old[k], str(getattr(row, k))] for k in data}},
    )
    return row


@transaction.atomic
def instrument_send_for_confirmation(*, instrument: Instrument, by: User) -> Instrument:
    """The draft goes to the OPDs (completes Task_INS_01)."""
    require_secretariat(by)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.status != InstrumentStatus.DRAFT:
        raise ValidationError(_("Only a draft instrument is sent to the OPDs."))
    instrument.status = InstrumentStatus.CONFIRMING
    instrument.save(update_fields=["status", "updated_at"])
    task_complete_if_open(
        instance_id=instrument.instance_id,
        step=STEP_DRAFT,
        by=by,
        comment=_("Draft instrument sent to the OPDs."),
    )
    audit_record(action="monitoring.instrument_sent", actor=by, obj=instrument)
    return instrument


@transaction.atomic
def instrument_opd_confirm(
    *, instrument: Instrument, opd: Organisation, by: User, note: str = ""
) -> int:
    """An OPD confirms its rows (completes its Task_INS_02); returns the number of rows."""
    require_opd(by, opd.pk)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.status != InstrumentStatus.CONFIRMING:
        raise ValidationError(_("The instrument is not waiting for confirmation."))
    rows = instrument.rows.filter(opd=opd)
    if not rows.exists():
        raise ValidationError(_("This OPD has no rows in the instrument."))
    count = rows.update(opd_confirmed_at=timezone.now(), opd_confirmed_by=by)
    task_complete_if_open(
        instance_id=instrument.instance_id,
        step=STEP_CONFIRM,
        by=by,
        organisation_id=opd.pk,
        comment=note.strip() or _("Rows confirmed."),
    )
    audit_record(
        action="monitoring.instrument_confirmed",
        actor=by,
        obj=instrument,
        detail={"opd": opd.acronym, "rows": count, "note": note.strip()[:300]},
    )
    return count


@transaction.atomic
def instrument_finalise(*, instrument: Instrument, by: User) -> Instrument:
    """Every OPD has confirmed: the final draft goes to the Ketua (completes Task_INS_03)."""
    require_secretariat(by)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.status not in ADJUSTABLE:
        raise ValidationError(_("The instrument is not being drafted."))
    pending = sorted(
        set(
            instrument.rows.filter(opd_confirmed_at__isnull=True).values_list(
                "opd__acronym", flat=True
            )
        )
    )
    if pending:
        raise ValidationError(_("Not yet confirmed by: %(opds)s.") % {"opds": ", ".join(pending)})
    incomplete = [
        r.code
        for r in instrument.rows.all()
        if r.target is None or any(r.quarter_target(q) is None for q in (1, 2, 3, 4))
    ]
    if incomplete:
        raise ValidationError(
            _("These rows lack the year's or a quarter's target: %(codes)s.")
            % {"codes": ", ".join(incomplete)}
        )
    instrument.status = InstrumentStatus.REVIEW
    instrument.save(update_fields=["status", "updated_at"])
    task_complete_if_open(
        instance_id=instrument.instance_id,
        step=STEP_FINALISE,
        by=by,
        comment=_("Final draft sent to the Ketua."),
    )
    audit_record(action="monitoring.instrument_finalised", actor=by, obj=instrument)
    return instrument


def _decide(*, instrument: Instrument, by: User, decision: str, note: str) -> Instrument:
    if scope_for(by, [Role.KETUA]).is_empty:
        raise PermissionDenied(_("Only the Ketua TKPK approves the instrument."))
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.status != InstrumentStatus.REVIEW:
        raise ValidationError(_("The instrument is not awaiting approval."))
    if decision == "return" and not note.strip():
        raise ValidationError({"note": _("Say why the instrument is returned.")})
    if decision == "approve":
        instrument.status = InstrumentStatus.APPROVED
        instrument.approved_at, instrument.approved_by = timezone.now(), by
    else:
        instrument.status = InstrumentStatus.DRAFT
    instrument.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    task_complete_if_open(
        instance_id=instrument.instance_id,
        step=STEP_APPROVE,
        by=by,
        decision=decision,
        comment=note.strip(),
    )
    audit_record(
        action=f"monitoring.instrument_{'approved' if decision == 'approve' else 'returned'}",
        actor=by,
        obj=instrument,
        detail={"note": note.strip()[:300]},
    )
    return instrument


@transaction.atomic
def instrument_approve(*, instrument: Instrument, by: User, note: str = "") -> Instrument:
    return _decide(instrument=instrument, by=by, decision="approve", note=note)


@transaction.atomic
def instrument_return(*, instrument: Instrument, by: User, note: str) -> Instrument:
    """Back to the secretariat with the Ketua's notes (the rows stay confirmed)."""
    return _decide(instrument=instrument, by=by, decision="return", note=note)


def instrument_serialize(instrument: Instrument) -> dict[str, Any]:
    def num(v: Decimal | None) -> str | None:
        return None if v is None else format(v.normalize(), "f")

    return {
        "year": instrument.year,
        "version": instrument.number,
        "plan": instrument.plan_id,
        "rows": [
            {
                "code": r.code,
                "programme": r.programme,
                "name": r.name,
                "indicator": r.indicator,
                "unit": r.unit,
                "direction": r.direction,
                "aggregation": r.aggregation,
                "target": num(r.target),
                "quarters": [num(r.quarter_target(q)) for q in (1, 2, 3, 4)],
                "budget_ceiling": num(r.budget_ceiling),
                "beneficiary_target": r.beneficiary_target,
                "opd": r.opd.acronym or r.opd.name,
                "locations": sorted(loc.pk for loc in r.locations.all()),
                "target_group": r.target_group,
            }
            for r in instrument.rows.select_related("opd").prefetch_related("locations")
        ],
    }


def calendar_for(year: int, quarter: int) -> tuple[date, date, date]:
    """(opens, due, locks): the day after the quarter ends, then the configured offsets."""
    end = h_quarter_end(year, quarter)
    due_days = int(getattr(settings, "TKPK_MONITORING_DUE_DAYS", DEFAULT_DUE_DAYS))
    lock_days = int(getattr(settings, "TKPK_MONITORING_LOCK_DAYS", DEFAULT_LOCK_DAYS))
    return end + timedelta(days=1), end + timedelta(days=due_days), end + timedelta(days=lock_days)


def validation_rules_seed() -> int:
    """Create the seeded rules that do not exist yet (existing rules keep their edits)."""
    created = 0
    for spec in SEEDED_RULES:
        _rule, new = ValidationRule.objects.get_or_create(code=spec["code"], defaults=spec)
        created += int(new)
    return created


@transaction.atomic
def instrument_publish(*, instrument: Instrument, by: User) -> Instrument:
    """Freeze the approved instrument, seed the reporting calendar (completes Task_INS_05)."""
    require_secretariat(by)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.status != InstrumentStatus.APPROVED:
        raise ValidationError(_("Only an approved instrument is published."))
    instrument.status = InstrumentStatus.PUBLISHED
    instrument.published_at, instrument.published_by = timezone.now(), by
    instrument.snapshot = instrument_serialize(instrument)
    instrument.save()
    validation_rules_seed()
    for quarter in (1, 2, 3, 4):
        opens, due, locks = calendar_for(instrument.year, quarter)
        period = ReportingPeriod(
            instrument=instrument,
            year=instrument.year,
            quarter=quarter,
            opens_on=opens,
            due_on=due,
            locks_on=locks,
            scheduled_by=by,
        )
        period.full_clean()
        period.save()
    task_complete_if_open(
        instance_id=instrument.instance_id,
        step=STEP_PUBLISH,
        by=by,
        comment=_("Instrument published with the reporting calendar."),
    )
    audit_record(action="monitoring.instrument_published", actor=by, obj=instrument)
    return instrument


@transaction.atomic
def period_calendar_set(
    *,
    period: ReportingPeriod,
    by: User,
    lock_version: int,
    opens_on: date,
    due_on: date,
    locks_on: date,
) -> ReportingPeriod:
    require_secretariat(by)
    if period.state == PeriodState.LOCKED:
        raise ValidationError(_("The period is locked; reopen it first."))
    if period.state == PeriodState.OPEN and opens_on != period.opens_on:
        raise ValidationError({"opens_on": _("The period is already open.")})
    candidate = ReportingPeriod.objects.get(pk=period.pk)
    candidate.opens_on, candidate.due_on, candidate.locks_on = opens_on, due_on, locks_on
    candidate.full_clean()
    versioned_update(
        ReportingPeriod,
        period,
        lock_version,
        {"opens_on": opens_on, "due_on": due_on, "locks_on": locks_on},
        by,
    )
    audit_record(
        action="monitoring.calendar_set",
        actor=by,
        obj=period,
        detail={"opens": str(opens_on), "due": str(due_on), "locks": str(locks_on)},
    )
    return period
