from __future__ import annotations

from decimal import Decimal

import pytest

from tkpk.accounts.models import User
from tkpk.core.roles import Role
from tkpk.monitoring.models import Instrument
from tkpk.monitoring.services_reports import report_submit, report_verify
from tkpk.monitoring.tests.factories import (
    fill,
    instrument_published,
    open_quarter,
    report_of,
    user_with_role,
)

YEAR = 2028


@pytest.fixture
def ketua(reference: None) -> User:
    return user_with_role("hendra", Role.KETUA)


@pytest.fixture
def instrument(
    reference: None, secretariat: User, ketua: User, opd_operator: User, other_opd_operator: User
) -> Instrument:
    """The published 2028 instrument: P1.1.1 of Dinsos, P2.1.1 of Disdik."""
    return instrument_published(
        secretariat=secretariat,
        ketua=ketua,
        operators={"Dinsos": opd_operator, "Disdik": other_opd_operator},
    )


@pytest.fixture
def first_quarter_reported(
    instrument: Instrument, secretariat: User, opd_operator: User, other_opd_operator: User
) -> Instrument:
    """Q1: Dinsos reports 240 of 300 and Rp450 bn of Rp900 bn and is accepted; Disdik reports
    500 of 500 but is only submitted (not accepted)."""
    period = open_quarter(instrument, 1)
    dinsos, disdik = report_of(period, "Dinsos"), report_of(period, "Disdik")
    fill(dinsos, opd_operator, physical=Decimal(240), budget=450 * 10**9, beneficiaries=10)
    fill(disdik, other_opd_operator, physical=Decimal(500), budget=10**9, beneficiaries=10)
    report_submit(report=dinsos, by=opd_operator)
    report_submit(report=disdik, by=other_opd_operator)
    report_verify(report=dinsos, by=secretariat, decision="accept")
    return instrument


@pytest.fixture
def computed(first_quarter_reported: Instrument) -> Instrument:
    """The 2028 dashboard computed from the BPS series and the first quarter's reports."""
    from tkpk.evaluation.services import bps_poverty_load, dashboard_refresh  # noqa: PLC0415

    bps_poverty_load()
    dashboard_refresh(year=YEAR)
    return first_quarter_reported
