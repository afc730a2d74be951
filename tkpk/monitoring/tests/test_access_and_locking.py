"""Scoping (an OPD sees and changes only its own rows), the period lock and its recorded
reopening, stale saves, and the history of changed values."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from tkpk.accounts.models import Organisation, User
from tkpk.core.roles import Role
from tkpk.monitoring.models import (
    FollowUpStatus,
    Instrument,
    PeriodState,
    ReportState,
    ValueChange,
)
from tkpk.monitoring.selectors import (
    board_for_user,
    instrument_rows_for_user,
    report_get_for_user,
    reports_for_user,
    value_get_for_user,
)
from tkpk.monitoring.services import instrument_build_from_rat, instrument_row_adjust
from tkpk.monitoring.services_reports import (
    follow_up_close,
    follow_up_create,
    period_lock,
    period_open,
    period_reopen,
    report_submit,
    report_value_save,
    report_verify,
)
from tkpk.monitoring.tests.factories import (
    fill,
    open_quarter,
    rat_enacted,
    report_of,
)
from tkpk.planning.services import ConcurrentEditError

pytestmark = pytest.mark.django_db


def test_an_opd_sees_and_changes_only_its_own_rows_and_reports(
    instrument: Instrument, opd_operator: User, secretariat: User, outsider: User
) -> None:
    period = open_quarter(instrument, 1)
    own, foreign = report_of(period, "Dinsos"), report_of(period, "Disdik")
    assert [
        r.opd.acronym for r in instrument_rows_for_user(user=opd_operator, instrument=instrument)
    ] == ["Dinsos"]
    assert [r.opd.acronym for r in reports_for_user(user=opd_operator, period=period)] == ["Dinsos"]
    assert report_get_for_user(user=opd_operator, pk=own.pk) == own
    with pytest.raises(Http404):
        report_get_for_user(user=opd_operator, pk=foreign.pk)
    foreign_value = foreign.values.get()
    with pytest.raises(Http404):
        value_get_for_user(user=opd_operator, pk=foreign_value.pk)
    with pytest.raises(PermissionDenied):
        report_value_save(
            value=foreign_value, by=opd_operator, lock_version=0, data={"physical": "1"}
        )
    with pytest.raises(PermissionDenied):
        report_submit(report=foreign, by=opd_operator)
    foreign_value.refresh_from_db()
    assert foreign_value.physical is None
    assert {e["opd"] for e in board_for_user(user=opd_operator, year=2028)} == {"Dinsos"}
    assert {e["opd"] for e in board_for_user(user=secretariat, year=2028)} == {"Dinsos", "Disdik"}
    with pytest.raises(Http404):
        report_get_for_user(user=outsider, pk=own.pk)
    with pytest.raises(Http404):
        board_for_user(user=outsider, year=2028)


def test_a_stale_save_is_refused_and_overwrites_nothing(
    instrument: Instrument, opd_operator: User, secretariat: User
) -> None:
    value = report_of(open_quarter(instrument, 1), "Dinsos").values.get()
    opened_at = value.lock_version
    report_value_save(
        value=value, by=opd_operator, lock_version=opened_at, data={"physical": "250"}
    )
    with pytest.raises(ConcurrentEditError):
        report_value_save(
            value=value, by=opd_operator, lock_version=opened_at, data={"physical": "999"}
        )
    value.refresh_from_db()
    assert value.physical == 250
    row = instrument.rows.get(code="P1.1.1")
    with pytest.raises(ValidationError):  # published: frozen
        instrument_row_adjust(row=row, by=secretariat, lock_version=row.lock_version, data={})


def test_a_number_too_large_is_refused_and_a_far_off_achievement_still_saves(
    instrument: Instrument, opd_operator: User
) -> None:
    value = report_of(open_quarter(instrument, 1), "Dinsos").values.get()
    with pytest.raises(ValidationError):
        report_value_save(
            value=value, by=opd_operator, lock_version=value.lock_version, data={"physical": "1e15"}
        )
    saved = report_value_save(
        value=value, by=opd_operator, lock_version=value.lock_version, data={"physical": "1e13"}
    )
    saved.refresh_from_db()  # on PostgreSQL an unclamped percentage would overflow the column
    assert saved.physical == Decimal("1e13") and saved.achievement == Decimal("9999999.99")


def test_every_change_of_a_value_is_recorded_with_old_and_new(
    instrument: Instrument, opd_operator: User
) -> None:
    value = report_of(open_quarter(instrument, 1), "Dinsos").values.get()
    value = report_value_save(
        value=value, by=opd_operator, lock_version=value.lock_version, data={"physical": "250"}
    )
    report_value_save(
        value=value,
        by=opd_operator,
        lock_version=value.lock_version,
        data={"physical": "280", "problems": "Data terlambat"},
    )
    changes = [(c.field, c.old, c.new, c.by_id) for c in ValueChange.objects.filter(value=value)]
    assert changes == [
        ("physical", "", "250", opd_operator.pk),
        ("physical", "250", "280", opd_operator.pk),
        ("problems", "", "Data terlambat", opd_operator.pk),
    ]
    value.refresh_from_db()
    assert str(value.achievement) == "93.33"  # 280 of the Q1 target 300


def test_nothing_changes_after_the_lock_without_a_recorded_reopening(
    instrument: Instrument, opd_operator: User, other_opd_operator: User, secretariat: User
) -> None:
    period = open_quarter(instrument, 1)
    for acronym, user in (("Dinsos", opd_operator), ("Disdik", other_opd_operator)):
        report = report_of(period, acronym)
        fill(report, user, physical="300", budget="100")
        report_submit(report=report, by=user)
        report_verify(report=report, by=secretariat, decision="accept")
    with pytest.raises(PermissionDenied):
        period_lock(period=period, by=opd_operator)
    period_lock(period=period, by=secretariat)
    value = report_of(period, "Dinsos").values.get()
    with pytest.raises(ValidationError):
        report_value_save(
            value=value, by=opd_operator, lock_version=value.lock_version, data={"physical": "1"}
        )
    with pytest.raises(ValidationError):
        period_reopen(period=period, by=secretariat, reason="  ")
    with pytest.raises(PermissionDenied):
        period_reopen(period=period, by=opd_operator, reason="koreksi")
    value.refresh_from_db()
    assert value.physical == 300

    dinsos = Organisation.objects.get(acronym="Dinsos")
    period = period_reopen(period=period, by=secretariat, reason="Koreksi data BPKD", opd=dinsos)
    assert period.state == PeriodState.OPEN
    assert period.reopen_log[-1]["reason"] == "Koreksi data BPKD"
    assert period.reopen_log[-1]["by"] == secretariat.get_username()
    assert report_of(period, "Dinsos").state == ReportState.RETURNED
    assert report_of(period, "Disdik").state == ReportState.ACCEPTED
    report_value_save(
        value=value, by=opd_operator, lock_version=value.lock_version, data={"physical": "310"}
    )
    disdik_value = report_of(period, "Disdik").values.get()
    with pytest.raises(ValidationError):  # accepted reports stay closed
        report_value_save(
            value=disdik_value,
            by=other_opd_operator,
            lock_version=disdik_value.lock_version,
            data={"physical": "1"},
        )


def test_the_tick_locks_at_the_lock_date_and_marks_unsubmitted_reports_late(
    instrument: Instrument, opd_operator: User
) -> None:
    from tkpk.monitoring.services_reports import monitoring_tick  # noqa: PLC0415

    period = open_quarter(instrument, 1)
    fill(report_of(period, "Dinsos"), opd_operator, physical="300", budget="1")
    assert monitoring_tick(today=period.locks_on - timedelta(days=1)).locked == []
    assert monitoring_tick(today=period.locks_on).locked == [str(period)]
    period.refresh_from_db()
    assert period.state == PeriodState.LOCKED
    assert {r.opd.acronym: (r.state, r.late) for r in period.reports.all()} == {
        "Dinsos": (ReportState.DRAFT, True),
        "Disdik": (ReportState.NOT_STARTED, True),
    }


def test_open_follow_ups_move_into_the_next_quarter_until_closed(
    instrument: Instrument, opd_operator: User, other_opd_operator: User, secretariat: User
) -> None:
    q1 = open_quarter(instrument, 1)
    dinsos = Organisation.objects.get(acronym="Dinsos")
    value = report_of(q1, "Dinsos").values.get()
    own = follow_up_create(
        period=q1,
        by=opd_operator,
        text="Percepat verifikasi penerima",
        owner=dinsos,
        due_on=timezone.localdate(),
        source="report",
        value=value,
    )
    meeting = follow_up_create(
        period=q1,
        by=secretariat,
        text="Sinkronkan data KJP",
        owner=Organisation.objects.get(acronym="Disdik"),
        due_on=timezone.localdate(),
        source="meeting",
    )
    with pytest.raises(PermissionDenied):  # an OPD does not assign work to another OPD
        follow_up_create(
            period=q1,
            by=other_opd_operator,
            text="x",
            owner=dinsos,
            due_on=timezone.localdate(),
            source="report",
            value=value,
        )
    follow_up_close(follow_up=own, by=opd_operator, note="Selesai", lock_version=own.lock_version)
    with pytest.raises(PermissionDenied):
        follow_up_close(
            follow_up=meeting, by=opd_operator, note="x", lock_version=meeting.lock_version
        )
    q2 = period_open(period=instrument.periods.get(quarter=2), by=secretariat)
    meeting.refresh_from_db()
    own.refresh_from_db()
    assert (meeting.period, meeting.raised_in, meeting.carried) == (q2, q1, 1)
    assert (own.period, own.status) == (q1, FollowUpStatus.CLOSED)


def test_the_target_group_is_text_while_the_targets_are_numbers(secretariat: User) -> None:
    rat = rat_enacted()
    instrument = instrument_build_from_rat(plan=rat, by=secretariat)
    row = instrument.rows.first()
    assert row is not None
    saved = instrument_row_adjust(
        row=row,
        by=secretariat,
        lock_version=row.lock_version,
        data={"target_group": "Lansia desil 1–2", "target": "120"},
    )
    saved.refresh_from_db()
    assert saved.target_group == "Lansia desil 1–2" and saved.target == 120
    with pytest.raises(ValidationError):
        instrument_row_adjust(
            row=saved, by=secretariat, lock_version=saved.lock_version, data={"target": "banyak"}
        )


def test_a_lock_closes_the_steps_of_late_opds_so_the_quarter_moves_on(
    reference: None, secretariat: User, opd_operator: User, other_opd_operator: User
) -> None:
    from tkpk.monitoring.services_reports import monitoring_tick  # noqa: PLC0415
    from tkpk.monitoring.tests.factories import instrument_published, user_with_role  # noqa: PLC0415
    from tkpk.processes.models import HumanTask, TaskStatus  # noqa: PLC0415
    from tkpk.processes.services import process_maps_load  # noqa: PLC0415

    process_maps_load()
    instrument = instrument_published(
        secretariat=secretariat,
        ketua=user_with_role("hendra", Role.KETUA),
        operators={"Dinsos": opd_operator, "Disdik": other_opd_operator},
    )
    period = open_quarter(instrument, 1)
    tasks = HumanTask.objects.filter(instance_id=period.instance_id)
    assert tasks.filter(step="Task_TW_02_LaporOPD", status=TaskStatus.OPEN).count() == 2
    fill(report_of(period, "Dinsos"), opd_operator, physical="300", budget="1")
    monitoring_tick(today=period.locks_on)
    # Nobody reported: both OPD steps are closed by the system, the lock step is done, and
    # the quarter waits for the Ketua's approval of its report instead of for reports.
    assert not tasks.filter(step="Task_TW_02_LaporOPD", status=TaskStatus.OPEN).exists()
    assert tasks.filter(step="Task_TW_04_Kunci", status=TaskStatus.COMPLETED).exists()
    assert tasks.filter(step="Task_TW_05_Setujui", status=TaskStatus.OPEN).exists()
