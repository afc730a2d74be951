from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tkpk.accounts.models import User
from tkpk.core.roles import Role
from tkpk.monitoring.models import Instrument
from tkpk.monitoring.services_reports import period_lock, report_submit, report_verify
from tkpk.monitoring.tests.factories import (
    fill,
    instrument_published,
    open_quarter,
    report_of,
    user_with_role,
)

YEAR = 2028
BN = 10**9


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ketua(reference: None) -> User:
    return user_with_role("hendra", Role.KETUA)


@pytest.fixture
def instrument(
    reference: None, secretariat: User, ketua: User, opd_operator: User, other_opd_operator: User
) -> Instrument:
    return instrument_published(
        secretariat=secretariat,
        ketua=ketua,
        operators={"Dinsos": opd_operator, "Disdik": other_opd_operator},
        year=YEAR,
    )


def quarter_locked(
    instrument: Instrument, secretariat: User, operators: dict[str, User], quarter: int = 1
) -> None:
    """Dinsos reports 270 of 300 (90 %), Disdik 400 of 500 (80 %); both accepted; locked."""
    period = open_quarter(instrument, quarter)
    figures = {"Dinsos": ("270", 200 * BN), "Disdik": ("400", 1000 * BN)}
    for acronym, user in operators.items():
        physical, budget = figures[acronym]
        own = report_of(period, acronym)
        fill(own, user, physical=physical, budget=budget, problems=f"Kendala data {acronym}")
        report_submit(report=own, by=user)
        report_verify(report=report_of(period, acronym), by=secretariat, decision="accept")
    period_lock(period=period, by=secretariat)


@pytest.fixture
def locked_q1(
    instrument: Instrument, secretariat: User, opd_operator: User, other_opd_operator: User
) -> Instrument:
    quarter_locked(instrument, secretariat, {"Dinsos": opd_operator, "Disdik": other_opd_operator})
    return instrument
