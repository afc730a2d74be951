"""Matriks 2 for the Ministry: programme → activity → sub-activity from the RAT matrix, budget
realised in the quarter and cumulative, from ACCEPTED reports only; opened with openpyxl."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import Organisation, User
from tkpk.core.roles import Role
from tkpk.monitoring.exports import MATRIKS2_TABLE_ROW
from tkpk.monitoring.models import Instrument
from tkpk.monitoring.services import (
    instrument_approve,
    instrument_build_from_rat,
    instrument_finalise,
    instrument_opd_confirm,
    instrument_publish,
    instrument_send_for_confirmation,
)
from tkpk.monitoring.services_reports import period_open, report_submit, report_verify
from tkpk.monitoring.tests.factories import fill, report_of, user_with_role
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.models import Plan, PlanKind, Stage
from tkpk.planning.services import matrix_row_save, plan_create

pytestmark = pytest.mark.django_db
D = Decimal
BN = 10**9
YEAR = 2029


def rat_with_activities() -> Plan:
    """Dinsos: one programme, one activity with two sub-activities; Disdik: one of each."""
    demo_plans_load()
    rpkd = Plan.objects.get(kind=PlanKind.RPKD)
    rat = plan_create(kind=PlanKind.RAT, title=f"RAT {YEAR}", year_start=YEAR, rpkd=rpkd)
    spec = {
        "Dinsos": ("P1", [("P1.1.1", "Bantuan pangan", "900"), ("P1.1.2", "Rehabilitasi", "300")]),
        "Disdik": ("P2", [("P2.1.1", "KJP Plus", "3500")]),
    }
    for acronym, (code, subs) in spec.items():
        opd = Organisation.objects.get(acronym=acronym)

        def save(data: dict[str, Any], opd: Organisation = opd) -> Any:
            return matrix_row_save(plan=rat, by=None, data={"opd": opd, **data})

        programme = save(
            {
                "level": "program",
                "code": code,
                "name": f"Program {acronym}",
                "rpkd_programme": rpkd.programmes.filter(opd=opd).first(),
                "budget": sum(D(b) for _c, _n, b in subs) * BN,
            }
        )
        activity = save(
            {
                "level": "kegiatan",
                "code": f"{code}.1",
                "name": f"Kegiatan {acronym}",
                "parent": programme,
            }
        )
        for sub_code, name, budget in subs:
            save(
                {
                    "level": "subkegiatan",
                    "code": sub_code,
                    "name": name,
                    "parent": activity,
                    "indicator": f"Penerima {name}",
                    "unit": "orang",
                    "direction": "higher",
                    "target": D("400"),
                    "target_q1": D("100"),
                    "target_q2": D("200"),
                    "target_q3": D("300"),
                    "target_q4": D("400"),
                    "budget": D(budget) * BN,
                    "source_of_funds": "APBD",
                }
            )
    rat.decree_number, rat.decree_date, rat.stage = (
        "Kepgub uji",
        date(YEAR - 1, 7, 1),
        Stage.ENACTED,
    )
    rat.save()
    return rat


@pytest.fixture
def instrument(
    reference: None, secretariat: User, opd_operator: User, other_opd_operator: User
) -> Instrument:
    instrument = instrument_build_from_rat(plan=rat_with_activities(), by=secretariat)
    instrument_send_for_confirmation(instrument=instrument, by=secretariat)
    for acronym, user in (("Dinsos", opd_operator), ("Disdik", other_opd_operator)):
        opd = Organisation.objects.get(acronym=acronym)
        instrument_opd_confirm(instrument=instrument, opd=opd, by=user)
    instrument_finalise(instrument=instrument, by=secretariat)
    instrument_approve(instrument=instrument, by=user_with_role("hendra", Role.KETUA))
    return instrument_publish(instrument=instrument, by=secretariat)


def report(instrument: Instrument, quarter: int, acronym: str, user: User, **figures: Any) -> None:
    period = instrument.periods.get(quarter=quarter)
    if period.state == "scheduled":
        period_open(period=period, by=None)
        period.refresh_from_db()
    own = report_of(period, acronym)
    fill(own, user, **figures)
    report_submit(report=own, by=user)


def sheet_rows(client: Client, quarter: int) -> tuple[list[Any], dict[str, tuple[Any, ...]]]:
    response = client.get(reverse("monitoring:matriks2", args=[YEAR, quarter]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [r[0] for r in sheet.iter_rows(max_row=MATRIKS2_TABLE_ROW, values_only=True)]
    table = list(sheet.iter_rows(min_row=MATRIKS2_TABLE_ROW + 2, values_only=True))
    by_code = {row[1]: row for row in table if row[1]}
    by_code["JUMLAH"] = next(row for row in table if row[2] == "JUMLAH")
    return header, by_code


CEILING, QUARTER, CUMULATIVE, ABSORPTION = 7, 12, 13, 14


def test_matriks_2_sums_the_accepted_reports_only_by_programme_and_activity(
    instrument: Instrument,
    as_secretariat: Client,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> None:
    # TW I: both accepted (Dinsos 200 bn cumulative on each row, Disdik 1,000 bn).
    report(instrument, 1, "Dinsos", opd_operator, physical="100", budget=200 * BN)
    report(instrument, 1, "Disdik", other_opd_operator, physical="90", budget=1000 * BN)
    q1 = instrument.periods.get(quarter=1)
    for acronym in ("Dinsos", "Disdik"):
        report_verify(report=report_of(q1, acronym), by=secretariat, decision="accept")
    # TW II: Dinsos accepted at 250 bn cumulative per row; Disdik submitted but not accepted.
    report(instrument, 2, "Dinsos", opd_operator, physical="180", budget=250 * BN)
    report(instrument, 2, "Disdik", other_opd_operator, physical="200", budget=2000 * BN)
    q2 = instrument.periods.get(quarter=2)
    report_verify(report=report_of(q2, "Dinsos"), by=secretariat, decision="accept")

    header, rows = sheet_rows(as_secretariat, 2)
    assert header[1] == "Provinsi: DKI Jakarta"
    assert header[2] == f"Tahun: {YEAR}" and header[3] == "Triwulan: II"
    assert "Disdik" in header[5]  # named as not yet accepted
    assert "P2.1.1" not in rows and "P2" not in rows  # not accepted: left out
    assert rows["P1.1.1"][CUMULATIVE] == 250 * BN
    assert rows["P1.1.1"][QUARTER] == 50 * BN  # 250 − 200 accepted in TW I
    assert rows["P1.1.1"][5] == "Dinsos" and rows["P1.1.1"][10] == 90  # 180 of 200
    assert rows["P1.1.1"][11] == "T"  # 76–90: Tinggi
    assert rows["P1.1"][CEILING] == 1200 * BN  # the activity's subtotal
    assert rows["P1.1"][CUMULATIVE] == 500 * BN
    assert rows["P1"][QUARTER] == 100 * BN
    assert rows["JUMLAH"][CEILING] == 1200 * BN
    assert rows["JUMLAH"][CUMULATIVE] == 500 * BN
    assert rows["JUMLAH"][ABSORPTION] == pytest.approx(41.67)

    _header, rows = sheet_rows(as_secretariat, 1)
    assert rows["P2.1.1"][QUARTER] == rows["P2.1.1"][CUMULATIVE] == 1000 * BN
    assert (
        rows["JUMLAH"][CUMULATIVE]
        == sum(rows[c][CUMULATIVE] for c in ("P1.1.1", "P1.1.2", "P2.1.1"))
        == 1400 * BN
    )
    assert rows["JUMLAH"][CEILING] == 4700 * BN
    assert isinstance(rows["P1.1.1"][CEILING], int | float)  # numbers, not texts


def test_matriks_2_is_for_province_wide_readers_of_an_opened_quarter(
    instrument: Instrument, as_secretariat: Client, as_opd: Client, as_outsider: Client
) -> None:
    url = reverse("monitoring:matriks2", args=[YEAR, 1])
    assert as_secretariat.get(url).status_code == 404  # not opened yet
    period_open(period=instrument.periods.get(quarter=1), by=None)
    assert as_secretariat.get(url).status_code == 200
    assert as_opd.get(url).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_secretariat.get(reverse("monitoring:matriks2", args=[YEAR + 5, 1])).status_code == 404


def test_texts_in_matriks_2_cannot_start_a_formula(
    instrument: Instrument, as_secretariat: Client, secretariat: User, opd_operator: User
) -> None:
    instrument.rows.filter(code="P1.1.1").update(name="=CMD|' /C calc'!A0")
    report(instrument, 1, "Dinsos", opd_operator, physical="100", budget=1)
    report_verify(
        report=report_of(instrument.periods.get(quarter=1), "Dinsos"),
        by=secretariat,
        decision="accept",
    )
    _header, rows = sheet_rows(as_secretariat, 1)
    assert rows["P1.1.1"][2] == "'=CMD|' /C calc'!A0"
