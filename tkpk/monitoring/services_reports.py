"""Quarterly reporting (TKPK-03.02): opening, values, submission, verification, lock, reopen,
follow-up items and the scheduler tick.

One TKPK-03.02 instance runs per period (params year, quarter, opds). Binding by step id:
Task_TW_01 (open the period) ← ``period_open`` (the tick completes it on behalf of the
secretariat member who published the calendar); Task_TW_02 (one per OPD) ← ``report_submit``;
Task_TW_03 (verify, one decision for the period) ← ``report_verify`` once no report waits for
verification: "return" when a report was returned (the OPD steps reopen; OPDs whose report is
not returned have theirs closed at once), otherwise "approve"; Task_TW_04 (lock) ←
``period_lock``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, User
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.monitoring.models import (
    EDITABLE_STATES,
    Aggregation,
    FollowUp,
    FollowUpSource,
    FollowUpStatus,
    Instrument,
    InstrumentRow,
    InstrumentStatus,
    PeriodState,
    QuarterReport,
    ReportingPeriod,
    ReportState,
    ReportValue,
    ValidationRule,
    ValueChange,
)
from tkpk.monitoring.rules import Finding, RowFacts, achievement, rule_check
from tkpk.monitoring.services import (
    REPORTING_PROCESS,
    STEP_LOCK,
    STEP_OPEN,
    STEP_REPORT,
    STEP_VERIFY,
    _decimal,
    instance_start_or_attach,
    require_opd,
    require_secretariat,
    task_complete_if_open,
    versioned_update,
)
from tkpk.processes.models import HumanTask, TaskStatus
from tkpk.processes.services import human_task_close_by_system

VALUE_FIELDS = (
    "physical",
    "budget",
    "beneficiaries",
    "beneficiaries_by_desil",
    "beneficiaries_by_sex",
    "problems",
    "drivers",
    "explanation",
)
TEXT_LIMIT = 4000
SEXES = ("L", "P")
REOPEN_DAYS = 7


# --- opening -----------------------------------------------------------------------------------


def _system_actor(period: ReportingPeriod, by: User | None) -> User | None:
    return by if by is not None else period.scheduled_by


@transaction.atomic
def period_open(*, period: ReportingPeriod, by: User | None = None) -> ReportingPeriod:
    """Open a quarter: one report per OPD with rows, open follow-ups carried in, and the
    TKPK-03.02 process started with one reporting task per OPD."""
    require_secretariat(by, allow_system=True)
    period = (
        ReportingPeriod.objects.select_for_update().select_related("instrument").get(pk=period.pk)
    )
    if period.state != PeriodState.SCHEDULED:
        raise ValidationError(_("The period is already open or locked."))
    if period.instrument.status != InstrumentStatus.PUBLISHED:
        raise ValidationError(_("The instrument is not published."))
    rows = list(period.instrument.rows.select_related("opd").order_by("code"))
    by_opd: dict[int, list[InstrumentRow]] = {}
    for row in rows:
        by_opd.setdefault(row.opd_id, []).append(row)
    for opd_id, opd_rows in by_opd.items():
        report = QuarterReport.objects.create(period=period, opd_id=opd_id)
        ReportValue.objects.bulk_create([ReportValue(report=report, row=r) for r in opd_rows])
    period.state = PeriodState.OPEN
    period.opened_at = timezone.now()
    period.save(update_fields=["state", "opened_at", "updated_at"])
    carried = follow_ups_carry(to_period=period)
    acronyms = sorted({r.opd.acronym for r in rows if r.opd.acronym})
    actor = _system_actor(period, by)
    period.instance = instance_start_or_attach(
        REPORTING_PROCESS,
        params={"year": period.year, "quarter": period.quarter, "opds": acronyms},
        by=actor,
    )
    period.save(update_fields=["instance"])
    task_complete_if_open(
        instance_id=period.instance_id,
        step=STEP_OPEN,
        by=actor,
        comment=_("Period opened on schedule; the OPDs were notified."),
    )
    audit_record(
        action="monitoring.period_opened",
        actor=by,
        obj=period,
        detail={"reports": len(by_opd), "follow_ups_carried": carried},
    )
    return period


# --- values ------------------------------------------------------------------------------------


def _text(value: Any, field: str) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise ValidationError({field: _("The text contains a null character.")})
    if len(text) > TEXT_LIMIT:
        raise ValidationError({field: _("At most %(count)s characters.") % {"count": TEXT_LIMIT}})
    return text


def _count(value: Any, field: str) -> int | None:
    number = _decimal(value, field)
    if number is None:
        return None
    if number < 0 or number != number.to_integral_value():
        raise ValidationError({field: _("Enter a whole number of at least 0.")})
    return int(number)


def _breakdown(value: Any, field: str, keys: tuple[str, ...]) -> dict[str, int]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({field: _("Give a count per category.")})
    cleaned: dict[str, int] = {}
    for key, count in value.items():
        if str(key) not in keys:
            raise ValidationError({field: _("Unknown category: %(key)s.") % {"key": key}})
        number = _count(count, field)
        if number is not None:
            cleaned[str(key)] = number
    return cleaned


def _clean_value_data(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(VALUE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("physical", "budget"):
            number = _decimal(value, key)
            if number is not None and number < 0:
                raise ValidationError({key: _("Enter a number of at least 0.")})
            if number is not None and abs(number) >= VALUE_LIMITS[key]:
                raise ValidationError({key: _("The number is too large.")})
            cleaned[key] = number
        elif key == "beneficiaries":
            cleaned[key] = _count(value, key)
        elif key == "beneficiaries_by_desil":
            cleaned[key] = _breakdown(value, key, tuple(str(d) for d in range(1, 11)))
        elif key == "beneficiaries_by_sex":
            cleaned[key] = _breakdown(value, key, SEXES)
        else:
            cleaned[key] = _text(value, key)
    return cleaned


def _check_breakdowns(total: int | None, fields: dict[str, Any]) -> None:
    for key in ("beneficiaries_by_desil", "beneficiaries_by_sex"):
        parts = fields.get(key) or {}
        if parts and total is not None and sum(parts.values()) > total:
            raise ValidationError({key: _("The breakdown adds up to more than the total.")})


def value_editable(value: ReportValue) -> bool:
    """A returned report reopens only its commented rows (all rows when none is commented)."""
    report = value.report
    if report.period.state != PeriodState.OPEN or report.state not in EDITABLE_STATES:
        return False
    if report.state == ReportState.RETURNED:
        commented = report.values.exclude(return_comment="").exists()
        return not commented or bool(value.return_comment)
    return True


# Largest values the columns hold (DecimalField max_digits − decimal_places integer digits).
VALUE_LIMITS = {"physical": Decimal(10) ** 14, "budget": Decimal(10) ** 16}
PERCENT_LIMIT = Decimal("9999999.99")  # achievement and absorption: max_digits 9, 2 places


def _percent(value: Decimal | None) -> Decimal | None:
    """A percentage clamped to what the column holds (a realisation far off its target still
    saves; the explanation rule flags it)."""
    if value is None:
        return None
    return max(min(value, PERCENT_LIMIT), -PERCENT_LIMIT)


def _computed(
    row: InstrumentRow, quarter: int, physical: Decimal | None, budget: Decimal | None
) -> dict[str, Decimal | None]:
    absorption = None
    if budget is not None and row.budget_ceiling:
        absorption = (budget / row.budget_ceiling * 100).quantize(Decimal("0.01"))
    return {
        "achievement": _percent(
            achievement(
                realisation=physical, target=row.quarter_target(quarter), direction=row.direction
            )
        ),
        "budget_absorption": _percent(absorption),
    }


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


@transaction.atomic
def report_value_save(
    *, value: ReportValue, by: User, lock_version: int, data: dict[str, Any]
) -> ReportValue:
    """Save (or autosave) an OPD's figures for one row; every changed field is recorded."""
    value = ReportValue.objects.select_related("report__period", "row").get(pk=value.pk)
    require_opd(by, value.report.opd_id)
    report = QuarterReport.objects.select_for_update().get(pk=value.report_id)
    value.report = report
    if report.period.state != PeriodState.OPEN:
        raise ValidationError(_("The period is locked; values change only after a reopening."))
    if not value_editable(value):
        raise ValidationError(_("This row is not open for changes."))
    cleaned = _clean_value_data(data)
    merged = {k: cleaned.get(k, getattr(value, k)) for k in VALUE_FIELDS}
    _check_breakdowns(merged["beneficiaries"], merged)
    changed = {k: v for k, v in cleaned.items() if v != getattr(value, k)}
    if not changed:
        # Nothing to write (an autosave of unchanged inputs): no new version, so another open
        # page of the same row does not get a needless conflict.
        value.refresh_from_db()
        return value
    fields = dict(changed)
    if {"physical", "budget"} & set(changed):
        fields |= _computed(value.row, report.period.quarter, merged["physical"], merged["budget"])
    before = {k: getattr(value, k) for k in changed}
    versioned_update(ReportValue, value, lock_version, fields, by)
    ValueChange.objects.bulk_create(
        [
            ValueChange(value=value, field=k, old=_shown(before[k]), new=_shown(v), by=by)
            for k, v in changed.items()
        ]
    )
    if report.state == ReportState.NOT_STARTED:
        report.state = ReportState.DRAFT
        report.save(update_fields=["state", "updated_at"])
    if changed:
        audit_record(
            action="monitoring.value_saved",
            actor=by,
            obj=value,
            detail={"fields": sorted(changed)},
        )
    return value


# --- submission --------------------------------------------------------------------------------


def _previous_values(report: QuarterReport) -> dict[int, ReportValue]:
    if report.period.quarter == 1:
        return {}
    previous = ReportValue.objects.filter(
        report__opd_id=report.opd_id,
        report__period__instrument_id=report.period.instrument_id,
        report__period__quarter=report.period.quarter - 1,
    )
    return {v.row_id: v for v in previous}


def report_check(*, report: QuarterReport) -> list[Finding]:
    """Every rule's findings on the report as it stands (errors and warnings)."""
    rules = list(ValidationRule.objects.filter(is_active=True))
    previous = _previous_values(report)
    findings: list[Finding] = []
    for value in report.values.select_related("row").order_by("row__code"):
        row, before = value.row, previous.get(value.row_id)
        facts = RowFacts(
            code=row.code,
            quarter=report.period.quarter,
            cumulative=row.aggregation == Aggregation.CUMULATIVE,
            budget_ceiling=row.budget_ceiling,
            beneficiary_target=row.beneficiary_target,
            physical=value.physical,
            budget=value.budget,
            beneficiaries=value.beneficiaries,
            achievement=value.achievement,
            previous_physical=before.physical if before else None,
            previous_budget=before.budget if before else None,
        )
        for rule in rules:
            finding = rule_check(
                code=rule.code,
                kind=rule.kind,
                params=rule.params,
                severity=rule.severity,
                message=rule.message,
                facts=facts,
            )
            if finding is not None and not (finding.severity == "warning" and value.explanation):
                findings.append(finding)
    return findings


@transaction.atomic
def report_submit(*, report: QuarterReport, by: User) -> QuarterReport:
    """Run the rules; errors block, warnings need an explanation on their row. Completes the
    OPD's reporting task."""
    require_opd(by, report.opd_id)
    report = QuarterReport.objects.select_for_update().select_related("period").get(pk=report.pk)
    if report.period.state != PeriodState.OPEN:
        raise ValidationError(_("The period is locked; values change only after a reopening."))
    if report.state not in (ReportState.DRAFT, ReportState.RETURNED):
        raise ValidationError(_("This report cannot be submitted now."))
    findings = report_check(report=report)
    if findings:
        raise ValidationError([f.message for f in findings], code="rules")
    now = timezone.now()
    report.state = ReportState.SUBMITTED
    report.submitted_at, report.submitted_by = now, by
    report.late = report.late or timezone.localdate(now) > report.period.due_on
    report.lock_version += 1
    report.updated_by = by
    report.save()
    task_complete_if_open(
        instance_id=report.period.instance_id,
        step=STEP_REPORT,
        by=by,
        organisation_id=report.opd_id,
        comment=_("Quarterly report submitted."),
    )
    audit_record(action="monitoring.report_submitted", actor=by, obj=report)
    return report


# --- verification ------------------------------------------------------------------------------


def _verify_step_try_complete(period: ReportingPeriod, by: User) -> None:
    """One decision for the period once no report is waiting: return if any was returned."""
    if period.reports.filter(state=ReportState.SUBMITTED).exists():
        return
    returned = period.reports.filter(state=ReportState.RETURNED).select_related("opd")
    if returned:
        task_complete_if_open(
            instance_id=period.instance_id,
            step=STEP_VERIFY,
            by=by,
            decision="return",
            comment=_("Returned for revision: %(opds)s.")
            % {"opds": ", ".join(str(r.opd) for r in returned)},
        )
    elif not period.reports.exclude(state=ReportState.ACCEPTED).exists():
        task_complete_if_open(
            instance_id=period.instance_id,
            step=STEP_VERIFY,
            by=by,
            decision="approve",
            comment=_("All reports accepted."),
        )


@transaction.atomic
def report_verify(
    *,
    report: QuarterReport,
    by: User,
    decision: str,
    comment: str = "",
    row_comments: dict[str, str] | None = None,
) -> QuarterReport:
    """The secretariat accepts a submitted report, or returns it with comments per row (by row
    code); returned rows reopen for the OPD."""
    require_secretariat(by)
    report = QuarterReport.objects.select_for_update().select_related("period").get(pk=report.pk)
    if report.period.state != PeriodState.OPEN:
        raise ValidationError(_("The period is locked; values change only after a reopening."))
    if report.state != ReportState.SUBMITTED:
        raise ValidationError(_("Only a submitted report is verified."))
    if decision not in ("accept", "return"):
        raise ValidationError(_("Choose accept or return."))
    notes = {k: _text(v, "row_comments") for k, v in (row_comments or {}).items() if str(v).strip()}
    values = {v.row.code: v for v in report.values.select_related("row")}
    unknown = sorted(set(notes) - set(values))
    if unknown:
        raise ValidationError(
            {
                "row_comments": _("Not a row of this report: %(codes)s.")
                % {"codes": ", ".join(unknown)}
            }
        )
    if decision == "return" and not (comment.strip() or notes):
        raise ValidationError({"comment": _("Say what must be revised.")})
    report.values.update(return_comment="")
    for code, note in notes.items():
        ReportValue.objects.filter(pk=values[code].pk).update(return_comment=note)
    report.state = ReportState.ACCEPTED if decision == "accept" else ReportState.RETURNED
    report.verified_at, report.verified_by = timezone.now(), by
    report.verify_comment = _text(comment, "comment")
    report.lock_version += 1
    report.updated_by = by
    report.save()
    audit_record(
        action=f"monitoring.report_{'accepted' if decision == 'accept' else 'returned'}",
        actor=by,
        obj=report,
        detail={"rows": sorted(notes)},
    )
    _verify_step_try_complete(report.period, by)
    return report


def on_report_task_opened(task: HumanTask, properties: dict[str, str]) -> None:
    """The OPD step reopened after a return: only OPDs whose report was returned have work;
    the others' tasks are closed at once (their report stands)."""
    period = ReportingPeriod.objects.filter(instance_id=task.instance_id).first()
    if period is None or task.organisation_id is None:
        return
    report = period.reports.filter(opd_id=task.organisation_id).first()
    if report is not None and report.state in (ReportState.SUBMITTED, ReportState.ACCEPTED):
        task.status = TaskStatus.COMPLETED
        task.completed_at = timezone.now()
        task.comment = "Laporan tidak dikembalikan; tidak ada perbaikan."
        task.save(update_fields=["status", "completed_at", "comment"])


# --- lock and reopen ---------------------------------------------------------------------------


@transaction.atomic
def period_lock(
    *, period: ReportingPeriod, by: User | None, today: date | None = None
) -> ReportingPeriod:
    """Freeze the period's values: when every report is accepted, or from the lock date on."""
    require_secretariat(by, allow_system=True)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    today = today or timezone.localdate()
    if period.state != PeriodState.OPEN:
        raise ValidationError(_("Only an open period is locked."))
    all_accepted = not period.reports.exclude(state=ReportState.ACCEPTED).exists()
    if not all_accepted and today < period.locks_on:
        raise ValidationError(
            _("Not every report is accepted and the lock date (%(date)s) has not come.")
            % {"date": period.locks_on.isoformat()}
        )
    period.reports.filter(state__in=EDITABLE_STATES).update(late=True)
    period.state = PeriodState.LOCKED
    period.locked_at = timezone.now()
    period.save(update_fields=["state", "locked_at", "updated_at"])
    _close_unfinished_steps(period, by)
    task_complete_if_open(
        instance_id=period.instance_id,
        step=STEP_LOCK,
        by=_system_actor(period, by),
        comment=_("Period locked."),
    )
    audit_record(
        action="monitoring.period_locked",
        actor=by,
        obj=period,
        detail={"all_accepted": all_accepted},
    )
    return period


def _close_unfinished_steps(period: ReportingPeriod, by: User | None) -> None:
    """A lock settles the quarter: the reporting steps of OPDs that did not report (their
    reports are marked late) and a verification still open are closed by the system, so the
    process reaches the lock step instead of waiting for work that can no longer be done."""
    if period.instance_id is None:
        return
    open_tasks = HumanTask.objects.filter(instance_id=period.instance_id, status=TaskStatus.OPEN)
    for task in open_tasks.filter(step=STEP_REPORT).order_by("pk"):
        human_task_close_by_system(
            task=task, by=by, reason=_("period locked; the report is marked late")
        )
    for task in HumanTask.objects.filter(
        instance_id=period.instance_id, status=TaskStatus.OPEN, step=STEP_VERIFY
    ):
        human_task_close_by_system(task=task, by=by, decision="approve", reason=_("period locked"))


@transaction.atomic
def period_reopen(
    *,
    period: ReportingPeriod,
    by: User,
    reason: str,
    opd: Organisation | None = None,
    until: date | None = None,
) -> ReportingPeriod:
    """Reopen a locked period (the reason is recorded); with ``opd``, that OPD's report is
    returned to it. The new lock date is ``until`` (default: a week from today)."""
    require_secretariat(by)
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state != PeriodState.LOCKED:
        raise ValidationError(_("Only a locked period is reopened."))
    reason = _text(reason, "reason")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening.")})
    today = timezone.localdate()
    new_lock = until or today + timedelta(days=REOPEN_DAYS)
    if new_lock <= today:
        raise ValidationError({"until": _("The new lock date must be in the future.")})
    if opd is not None:
        report = period.reports.filter(opd=opd).first()
        if report is None:
            raise ValidationError({"opd": _("This OPD has no report in the period.")})
        if report.state in (ReportState.SUBMITTED, ReportState.ACCEPTED):
            report.state = ReportState.RETURNED
            report.verify_comment = reason
            report.lock_version += 1
            report.save()
    period.state = PeriodState.OPEN
    period.locked_at = None
    period.locks_on = max(new_lock, period.due_on)
    period.reopen_log = [
        *period.reopen_log,
        {
            "at": timezone.now().isoformat(),
            "by": by.get_username(),
            "reason": reason,
            "opd": opd.acronym if opd else "",
            "until": period.locks_on.isoformat(),
        },
    ]
    period.save()
    audit_record(
        action="monitoring.period_reopened",
        actor=by,
        obj=period,
        detail={"reason": reason[:300], "opd": opd.acronym if opd else ""},
    )
    return period


# --- follow-up items ---------------------------------------------------------------------------


@transaction.atomic
def follow_up_create(
    *,
    period: ReportingPeriod,
    by: User,
    text: str,
    owner: Organisation,
    due_on: date,
    source: str,
    value: ReportValue | None = None,
) -> FollowUp:
    """The secretariat records follow-ups from meetings or reports; an OPD from its own report."""
    is_secretariat = not scope_for(by, [Role.SEKRETARIAT]).is_empty
    if not is_secretariat:
        require_opd(by, owner.pk)
        if source != FollowUpSource.REPORT or value is None or value.report.opd_id != owner.pk:
            raise PermissionDenied(_("An OPD records follow-ups of its own report."))
    if source not in FollowUpSource.values:
        raise ValidationError({"source": _("Choose the source.")})
    if value is not None and value.report.period_id != period.pk:
        raise ValidationError({"value": _("The row belongs to another quarter.")})
    follow_up = FollowUp(
        period=period,
        raised_in=period,
        value=value,
        text=_text(text, "text"),
        owner=owner,
        due_on=due_on,
        source=source,
        created_by=by,
        updated_by=by,
    )
    if not follow_up.text:
        raise ValidationError({"text": _("Describe the follow-up.")})
    follow_up.full_clean()
    follow_up.save()
    audit_record(action="monitoring.follow_up_created", actor=by, obj=follow_up)
    return follow_up


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, by: User, note: str, lock_version: int) -> FollowUp:
    if scope_for(by, [Role.SEKRETARIAT]).is_empty:
        require_opd(by, follow_up.owner_id)
    if follow_up.status != FollowUpStatus.OPEN:
        raise ValidationError(_("The follow-up is already closed."))
    note = _text(note, "note")
    if not note:
        raise ValidationError({"note": _("Describe what was done.")})
    versioned_update(
        FollowUp,
        follow_up,
        lock_version,
        {"status": FollowUpStatus.CLOSED, "closed_at": timezone.now(), "closing_note": note},
        by,
    )
    audit_record(action="monitoring.follow_up_closed", actor=by, obj=follow_up)
    return follow_up


def follow_ups_carry(*, to_period: ReportingPeriod) -> int:
    """Open items of earlier quarters move into this one (their origin stays recorded)."""
    earlier = Q(period__year__lt=to_period.year) | Q(
        period__year=to_period.year, period__quarter__lt=to_period.quarter
    )
    items = list(FollowUp.objects.filter(earlier, status=FollowUpStatus.OPEN))
    for item in items:
        item.period = to_period
        item.carried += 1
    FollowUp.objects.bulk_update(items, ["period", "carried"])
    return len(items)


# --- the tick ----------------------------------------------------------------------------------


@dataclass
class MonitoringTick:
    opened: list[str]
    locked: list[str]


@transaction.atomic
def monitoring_tick(*, today: date | None = None) -> MonitoringTick:
    """Open published periods whose opening day has come; lock open ones at their lock date."""
    today = today or timezone.localdate()
    result = MonitoringTick(opened=[], locked=[])
    due_to_open = ReportingPeriod.objects.filter(
        state=PeriodState.SCHEDULED,
        opens_on__lte=today,
        instrument__status=InstrumentStatus.PUBLISHED,
    ).order_by("year", "quarter")
    for period in due_to_open:
        period_open(period=period, by=None)
        result.opened.append(str(period))
    for period in ReportingPeriod.objects.filter(state=PeriodState.OPEN, locks_on__lte=today):
        period_lock(period=period, by=None, today=today)
        result.locked.append(str(period))
    return result


def instrument_current(*, year: int) -> Instrument | None:
    return (
        Instrument.objects.filter(year=year, status=InstrumentStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
