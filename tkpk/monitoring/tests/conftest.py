from __future__ import annotations

import pytest

from tkpk.accounts.models import User
from tkpk.core.roles import Role
from tkpk.monitoring.models import Instrument
from tkpk.monitoring.tests.factories import instrument_published, user_with_role


@pytest.fixture
def instrument(
    reference: None, secretariat: User, opd_operator: User, other_opd_operator: User
) -> Instrument:
    """The published 2028 instrument: one row of Dinsos, one of Disdik (process maps not loaded)."""
    return instrument_published(
        secretariat=secretariat,
        ketua=user_with_role("hendra", Role.KETUA),
        operators={"Dinsos": opd_operator, "Disdik": other_opd_operator},
    )
