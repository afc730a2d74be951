"""Demo monitoring data: the 2026 instrument from the demo RAT 2026, approved and published, with
quarters I–III reported by the five OPDs of the RAT in different states.

- TW I: every report accepted; the period locked.
- TW II: four accepted, DKPKP never reported (late); locked at its lock date.
- TW III (open; lock date moved two weeks ahead): Dinsos accepted, Disdik returned with a row
  comment, Disnakertransgi submitted, DPPKUKM in draft, DKPKP not started.

Runs through the real services as the demo personas; OPDs without a demo persona get an operator
``opd.<acronym>`` with the demo password. Report timestamps are moved back to plausible dates
(the services stamp "now")."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tkpk.accounts.demo import DEMO_PASSWORD
from tkpk.accounts.models import Organisation, User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.monitoring.models import Instrument, QuarterReport, ReportingPeriod
from tkpk.monitoring.services import (
    instrument_approve,
    instrument_build_from_rat,
    instrument_finalise,
    instrument_opd_confirm,
    instrument_publish,
    instrument_send_for_confirmation,
    period_calendar_set,
)
from tkpk.monitoring.services_reports import (
    follow_up_create,
    period_lock,
    period_open,
    report_submit,
    report_value_save,
    report_verify,
)
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.models import Plan, PlanKind, Stage

YEAR = 2026
# Share of the quarter's target and of the budget ceiling realised, per OPD.
PACE = {"Dinsos": "1.00", "Disdik": "0.95", "Disnakertransgi": "0.85", "DPPKUKM": "0.70"}
DEFAULT_PACE = "0.90"
Q3_STATES = {
    "Dinsos": "accepted",
    "Disdik": "returned",
    "Disnakertransgi": "submitted",
    "DPPKUKM": "draft",
    "DKPKP": "not_started",
}


def _user(username: str, full_name: str, role: Role, organisation: Organisation | None) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            full_name=full_name,
            email=f"{username}@tkpk.example",
            password=DEMO_PASSWORD,
            organisation=organisation,
        )
    membership_grant(user=user, role=role, organisation=organisation if role == Role.OPD else None)
    return user


def _operator(opd: Organisation) -> User:
    existing = User.objects.filter(
        memberships__role=Role.OPD,
        memberships__organisation=opd,
        memberships__is_active=True,
        is_active=True,
    ).first()
    return existing or _user(f"opd.{opd.acronym.lower()}", f"Operator {opd.acronym}", Role.OPD, opd)


def _fill(period: ReportingPeriod, report: QuarterReport, by: User) -> None:
    pace = Decimal(PACE.get(report.opd.acronym, DEFAULT_PACE))
    for value in report.values.select_related("row"):
        row = value.row
        target = row.quarter_target(period.quarter) or Decimal(0)
        physical = (target * pace).quantize(Decimal(1))
        budget = (
            row.budget_ceiling * Decimal(period.quarter) / 4 * pace * Decimal("0.9")
        ).quantize(Decimal(1))
        people = int(physical)
        poorest = people * 6 // 10
        report_value_save(
            value=value,
            by=by,
            lock_version=value.lock_version,
            data={
                "physical": physical,
                "budget": budget,
                "beneficiaries": people,
                "beneficiaries_by_desil": {"1": poorest, "2": people - poorest},
                "beneficiaries_by_sex": {"L": people // 2, "P": people - people // 2},
                "problems": "Pemutakhiran data penerima dari DTSEN terlambat." if pace < 1 else "",
                "drivers": "Koordinasi dengan kelurahan berjalan baik.",
            },
        )


def _backdate(report: QuarterReport, period: ReportingPeriod, *, days_before_due: int) -> None:
    moment = datetime.combine(
        period.due_on - timedelta(days=days_before_due),
        time(10),
        tzinfo=timezone.get_current_timezone(),
    )
    QuarterReport.objects.filter(pk=report.pk).update(submitted_at=moment, late=days_before_due < 0)


def _report_to(
    wanted: str, period: ReportingPeriod, report: QuarterReport, by: User, secretariat: User
) -> int:
    """Bring one report to the wanted state; 1 if it was touched."""
    if wanted == "not_started":
        return 0
    _fill(period, report, by)
    if wanted == "draft":
        return 1
    report_submit(report=report, by=by)
    _backdate(report, period, days_before_due=2 if report.opd.acronym != "Disdik" else 1)
    if wanted == "returned":
        code = report.values.select_related("row").first().row.code  # type: ignore[union-attr]
        report_verify(
            report=report,
            by=secretariat,
            decision="return",
            row_comments={code: "Realisasi anggaran belum sesuai SP2D; mohon dicek."},
        )
    elif wanted == "accepted":
        report_verify(report=report, by=secretariat, decision="accept")
    return 1


@transaction.atomic
def demo_monitoring_load() -> int:
    """Create the demo instrument and reports once; returns the number of reports touched."""
    if Instrument.objects.filter(year=YEAR).exists():
        return 0
    rat = Plan.objects.filter(kind=PlanKind.RAT, year_start=YEAR, stage=Stage.ENACTED).first()
    if rat is None:
        demo_plans_load()
        rat = Plan.objects.get(kind=PlanKind.RAT, year_start=YEAR, stage=Stage.ENACTED)
    secretariat = _user(
        "sekretariat",
        "Rina Wulandari",
        Role.SEKRETARIAT,
        Organisation.objects.filter(acronym="Sekretariat TKPK").first(),
    )
    ketua = _user(
        "ketua", "Hendra Gunawan", Role.KETUA, Organisation.objects.filter(acronym="Setda").first()
    )

    instrument = instrument_build_from_rat(plan=rat, by=secretariat)
    opds = list(
        Organisation.objects.filter(instrument_rows__instrument=instrument)
        .distinct()
        .order_by("name")
    )
    operators = {opd.acronym: _operator(opd) for opd in opds}
    instrument_send_for_confirmation(instrument=instrument, by=secretariat)
    for opd in opds:
        instrument_opd_confirm(instrument=instrument, opd=opd, by=operators[opd.acronym])
    instrument_finalise(instrument=instrument, by=secretariat)
    instrument_approve(instrument=instrument, by=ketua, note="Disetujui.")
    instrument = instrument_publish(instrument=instrument, by=secretariat)

    touched = 0
    for quarter in (1, 2, 3):
        period = instrument.periods.get(quarter=quarter)
        if quarter == 3:
            today = timezone.localdate()
            period = period_calendar_set(
                period=period,
                by=secretariat,
                lock_version=period.lock_version,
                opens_on=period.opens_on,
                due_on=period.due_on,
                locks_on=max(period.locks_on, today + timedelta(days=14)),
            )
        period = period_open(period=period, by=secretariat)
        for report in period.reports.select_related("opd").order_by("opd__name"):
            acronym = report.opd.acronym
            wanted = Q3_STATES.get(acronym, "accepted") if quarter == 3 else "accepted"
            if quarter == 2 and acronym == "DKPKP":
                wanted = "not_started"
            touched += _report_to(wanted, period, report, operators[acronym], secretariat)
        if quarter in (1, 2):
            period_lock(period=period, by=secretariat, today=period.locks_on)
        if quarter == 2:
            follow_up_create(
                period=period,
                by=secretariat,
                text="Percepat pemutakhiran data penerima Pangan Bersubsidi dari DTSEN.",
                owner=Organisation.objects.get(acronym="DKPKP"),
                due_on=period.locks_on + timedelta(days=30),
                source="meeting",
            )
    return touched
