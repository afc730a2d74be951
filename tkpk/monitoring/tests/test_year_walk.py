"""A whole monitoring year: the instrument from an enacted RAT through TKPK-03.01, then four
quarters opened by the tick, reported, verified (one return and resubmission) and locked."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from tkpk.accounts.models import Organisation, User
from tkpk.core.roles import Role
from tkpk.monitoring.models import InstrumentStatus, PeriodState, ReportState
from tkpk.monitoring.selectors import monitoring_board
from tkpk.monitoring.services import (
    STEP_APPROVE,
    STEP_CONFIRM,
    STEP_DRAFT,
    STEP_FINALISE,
    STEP_LOCK,
    STEP_REPORT,
    STEP_VERIFY,
    instrument_approve,
    instrument_build_from_rat,
    instrument_finalise,
    instrument_opd_confirm,
    instrument_publish,
    instrument_return,
    instrument_send_for_confirmation,
)
from tkpk.monitoring.services_reports import (
    monitoring_tick,
    period_lock,
    report_submit,
    report_verify,
)
from tkpk.monitoring.tests.factories import fill, rat_enacted, report_of, user_with_role
from tkpk.processes.models import HumanTask, InstanceStatus, TaskStatus
from tkpk.processes.services import process_maps_load

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")
CUMULATIVE = {1: ("300", "200"), 2: ("600", "450"), 3: ("900", "700"), 4: ("1200", "880")}


def at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=JAKARTA)


def open_steps(instance_id: int | None) -> list[tuple[str, str]]:
    tasks = HumanTask.objects.filter(instance_id=instance_id, status=TaskStatus.OPEN)
    return sorted((t.step, t.organisation.acronym if t.organisation else "") for t in tasks)


def states(year: int, quarter: int) -> dict[str, str]:
    return {e["opd"]: e["state"] for e in monitoring_board(year=year) if e["quarter"] == quarter}


def report_quarter(p: object, operators: dict[str, User], quarter: int) -> None:
    physical, budget_bn = CUMULATIVE[quarter]
    for acronym, user in operators.items():
        report = report_of(p, acronym)  # type: ignore[arg-type]
        fill(report, user, physical=physical, budget=int(budget_bn) * 10**9, beneficiaries=10)
        report_submit(report=report, by=user)


def test_a_monitoring_year_walks_from_the_rat_to_four_locked_quarters(  # noqa: PLR0915 (one story)
    reference: None, secretariat: User, opd_operator: User, other_opd_operator: User
) -> None:
    process_maps_load()
    ketua = user_with_role("hendra", Role.KETUA)
    operators = {"Dinsos": opd_operator, "Disdik": other_opd_operator}
    disdik = Organisation.objects.get(acronym="Disdik")

    # --- TKPK-03.01: the instrument ----------------------------------------------------------
    with time_machine.travel(at(date(2027, 12, 1)), tick=False):
        instrument = instrument_build_from_rat(plan=rat_enacted(2028), by=secretariat)
    assert instrument.rows.count() == 2 and instrument.instance is not None
    assert open_steps(instrument.instance_id) == [(STEP_DRAFT, "")]
    instrument_send_for_confirmation(instrument=instrument, by=secretariat)
    assert open_steps(instrument.instance_id) == [
        (STEP_CONFIRM, "Dinsos"),
        (STEP_CONFIRM, "Disdik"),
    ]
    with pytest.raises(PermissionDenied):
        instrument_opd_confirm(instrument=instrument, opd=disdik, by=opd_operator)
    for acronym, user in operators.items():
        opd = Organisation.objects.get(acronym=acronym)
        instrument_opd_confirm(instrument=instrument, opd=opd, by=user)
    assert open_steps(instrument.instance_id) == [(STEP_FINALISE, "")]
    instrument_finalise(instrument=instrument, by=secretariat)
    assert open_steps(instrument.instance_id) == [(STEP_APPROVE, "")]
    with pytest.raises(PermissionDenied):
        instrument_approve(instrument=instrument, by=secretariat)
    instrument = instrument_return(instrument=instrument, by=ketua, note="Lengkapi lokasi")
    assert instrument.status == InstrumentStatus.DRAFT
    assert open_steps(instrument.instance_id) == [(STEP_FINALISE, "")]
    instrument_finalise(instrument=instrument, by=secretariat)
    instrument_approve(instrument=instrument, by=ketua)
    instrument = instrument_publish(instrument=instrument, by=secretariat)
    assert instrument.status == InstrumentStatus.PUBLISHED
    assert instrument.instance.status == InstanceStatus.COMPLETED  # type: ignore[union-attr]
    assert [r["code"] for r in instrument.snapshot["rows"]] == ["P1.1.1", "P2.1.1"]  # type: ignore[index]
    assert set(states(2028, 1).values()) == {"scheduled"}
    q1 = instrument.periods.get(quarter=1)
    assert (q1.opens_on, q1.due_on, q1.locks_on) == (
        date(2028, 4, 1),
        date(2028, 4, 10),
        date(2028, 4, 25),
    )

    # --- four quarters ------------------------------------------------------------------------
    for quarter in (1, 2, 3, 4):
        p = instrument.periods.get(quarter=quarter)
        with time_machine.travel(at(p.opens_on - date.resolution), tick=False):
            assert monitoring_tick().opened == []
        with time_machine.travel(at(p.opens_on), tick=False):
            assert monitoring_tick().opened == [str(p)]
        p.refresh_from_db()
        assert p.state == PeriodState.OPEN
        assert states(2028, quarter) == {"Dinsos": "not_started", "Disdik": "not_started"}
        assert open_steps(p.instance_id) == [(STEP_REPORT, "Dinsos"), (STEP_REPORT, "Disdik")]

        with time_machine.travel(at(p.opens_on + 3 * date.resolution), tick=False):
            report_quarter(p, operators, quarter)
        assert states(2028, quarter) == {"Dinsos": "submitted", "Disdik": "submitted"}
        assert open_steps(p.instance_id) == [(STEP_VERIFY, "")]

        report_verify(report=report_of(p, "Dinsos"), by=secretariat, decision="accept")
        if quarter == 2:
            # Disdik's report goes back with a comment on its row; only that OPD has work again.
            report_verify(
                report=report_of(p, "Disdik"),
                by=secretariat,
                decision="return",
                row_comments={"P2.1.1": "Realisasi anggaran belum sesuai SP2D"},
            )
            assert states(2028, 2) == {"Dinsos": "accepted", "Disdik": "returned"}
            assert open_steps(p.instance_id) == [(STEP_REPORT, "Disdik")]
            # Refused: not every report is accepted and the lock date (named) has not come.
            with pytest.raises(ValidationError, match=p.locks_on.isoformat()):
                period_lock(period=p, by=secretariat, today=p.due_on)
            with time_machine.travel(at(p.due_on + date.resolution), tick=False):
                fill(report_of(p, "Disdik"), other_opd_operator, budget=460 * 10**9)
                report_submit(report=report_of(p, "Disdik"), by=other_opd_operator)
            assert report_of(p, "Disdik").late is True
            assert open_steps(p.instance_id) == [(STEP_VERIFY, "")]
        report_verify(report=report_of(p, "Disdik"), by=secretariat, decision="accept")
        assert states(2028, quarter) == {"Dinsos": "accepted", "Disdik": "accepted"}
        assert open_steps(p.instance_id) == [(STEP_LOCK, "")]
        period_lock(period=p, by=secretariat, today=p.due_on)
        p.refresh_from_db()
        assert p.state == PeriodState.LOCKED
        assert {
            t.step for t in HumanTask.objects.filter(instance_id=p.instance_id, status="open")
        } == {"Task_TW_05_Setujui"}

    board = monitoring_board(year=2028)
    assert len(board) == 8
    assert {(e["state"], e["period_state"]) for e in board} == {("accepted", "locked")}
    assert [e["late"] for e in board if e["quarter"] == 2] == [False, True]  # Dinsos, Disdik
    out = StringIO()
    call_command("monitoring_board", "--year", "2028", "--json", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(board))
    assert report_of(instrument.periods.get(quarter=4), "Dinsos").state == ReportState.ACCEPTED


def test_the_demo_has_the_2026_instrument_with_quarters_in_every_state(
    reference: None,
) -> None:
    from tkpk.monitoring.demo import demo_monitoring_load  # noqa: PLC0415

    process_maps_load()
    assert demo_monitoring_load() > 0
    assert demo_monitoring_load() == 0  # once only
    board = monitoring_board(year=2026)
    q3 = {e["opd"]: e["state"] for e in board if e["quarter"] == 3}
    assert q3 == {
        "Dinsos": "accepted",
        "Disdik": "returned",
        "Disnakertransgi": "submitted",
        "DPPKUKM": "draft",
        "DKPKP": "not_started",
    }
    assert {e["state"] for e in board if e["quarter"] == 1} == {"accepted"}
    q2 = {e["opd"]: (e["state"], e["late"]) for e in board if e["quarter"] == 2}
    assert q2["DKPKP"] == ("not_started", True) and q2["Dinsos"] == ("accepted", False)
    assert {e["period_state"] for e in board} == {"locked", "open", "scheduled"}
