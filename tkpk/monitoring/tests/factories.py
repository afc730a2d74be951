"""Build monitoring state through the real services: an enacted RAT with rows of two OPDs, a
published instrument, an open quarter."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tkpk.accounts.models import Organisation, User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.monitoring.models import Instrument, QuarterReport, ReportingPeriod, ReportValue
from tkpk.monitoring.services import (
    instrument_approve,
    instrument_build_from_rat,
    instrument_finalise,
    instrument_opd_confirm,
    instrument_publish,
    instrument_send_for_confirmation,
)
from tkpk.monitoring.services_reports import period_open, report_value_save
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.models import Plan, PlanKind, Stage
from tkpk.planning.services import matrix_row_save, plan_create

D = Decimal
ROWS = [
    # code, OPD, indicator, direction, quarterly targets (cumulative), budget
    ("P1", "Dinsos", "Rumah tangga penerima KLJ", "higher", ["300", "600", "900", "1200"], "900"),
    ("P2", "Disdik", "Siswa penerima KJP Plus", "higher", ["500", "1000", "1500", "2000"], "3500"),
]


def user_with_role(username: str, role: Role, organisation: Organisation | None = None) -> User:
    user = user_create(username=username, full_name=username.title(), organisation=organisation)
    membership_grant(user=user, role=role, organisation=organisation)
    return user


def rat_enacted(year: int = 2028) -> Plan:
    """A RAT for ``year`` with one programme and one sub-activity each for Dinsos and Disdik."""
    demo_plans_load()
    rpkd = Plan.objects.get(kind=PlanKind.RPKD)
    rat = plan_create(kind=PlanKind.RAT, title=f"RAT uji {year}", year_start=year, rpkd=rpkd)
    for code, acronym, indicator, direction, quarters, budget in ROWS:
        opd = Organisation.objects.get(acronym=acronym)
        top = matrix_row_save(
            plan=rat,
            by=None,
            data={
                "level": "program",
                "code": code,
                "name": f"Program {acronym}",
                "opd": opd,
                "rpkd_programme": rpkd.programmes.filter(opd=opd).first(),
                "budget": D(budget) * 10**9,
            },
        )
        matrix_row_save(
            plan=rat,
            by=None,
            data={
                "level": "subkegiatan",
                "code": f"{code}.1.1",
                "name": f"Penyaluran {acronym}",
                "parent": top,
                "opd": opd,
                "indicator": indicator,
                "unit": "orang",
                "direction": direction,
                "baseline": D("100"),
                "target": D(quarters[-1]),
                "target_q1": D(quarters[0]),
                "target_q2": D(quarters[1]),
                "target_q3": D(quarters[2]),
                "target_q4": D(quarters[3]),
                "budget": D(budget) * 10**9,
                "target_group": "Desil 1–4",
            },
        )
    rat.decree_number, rat.decree_date, rat.stage = (
        "Kepgub uji",
        date(year - 1, 7, 1),
        Stage.ENACTED,
    )
    rat.save()
    return rat


def instrument_published(
    *, secretariat: User, ketua: User, operators: dict[str, User], year: int = 2028
) -> Instrument:
    instrument = instrument_build_from_rat(plan=rat_enacted(year), by=secretariat)
    instrument_send_for_confirmation(instrument=instrument, by=secretariat)
    for acronym, user in operators.items():
        opd = Organisation.objects.get(acronym=acronym)
        instrument_opd_confirm(instrument=instrument, opd=opd, by=user)
    instrument_finalise(instrument=instrument, by=secretariat)
    instrument_approve(instrument=instrument, by=ketua)
    return instrument_publish(instrument=instrument, by=secretariat)


def period(instrument: Instrument, quarter: int) -> ReportingPeriod:
    return instrument.periods.get(quarter=quarter)


def open_quarter(instrument: Instrument, quarter: int = 1) -> ReportingPeriod:
    return period_open(period=period(instrument, quarter), by=None)


def report_of(p: ReportingPeriod, acronym: str) -> QuarterReport:
    return p.reports.get(opd__acronym=acronym)


def fill(report: QuarterReport, by: User, **data: object) -> list[ReportValue]:
    """Save the same figures on every row of the report."""
    saved = []
    for value in report.values.all():
        saved.append(
            report_value_save(value=value, by=by, lock_version=value.lock_version, data=dict(data))
        )
    return saved
