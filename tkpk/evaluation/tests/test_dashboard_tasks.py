from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import User
from tkpk.evaluation.services import dashboard_refresh
from tkpk.monitoring.services import instrument_build_from_rat
from tkpk.monitoring.tests.factories import rat_enacted
from tkpk.processes.services import process_maps_load

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


def tasks(client: Client) -> dict[str, str]:
    response = client.get(reverse("evaluation:dashboard_csv", args=["tasks"]), {"year": "2028"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {r[0]: r[1] for r in rows[1:]}


def test_open_tasks_past_their_due_date_are_counted_by_lane(
    reference: None, secretariat: User, as_secretariat: Client, as_opd: Client
) -> None:
    process_maps_load()
    # The TKPK-03.01 drafting step of the secretariat is due on 20 December 2027.
    instrument_build_from_rat(plan=rat_enacted(2028), by=secretariat)
    with time_machine.travel(datetime(2027, 12, 20, 9, tzinfo=JAKARTA), tick=False):
        dashboard_refresh(year=2028)
    assert tasks(as_secretariat) == {}
    with time_machine.travel(datetime(2027, 12, 21, 9, tzinfo=JAKARTA), tick=False):
        dashboard_refresh(year=2028)
    assert tasks(as_secretariat) == {"Sekretariat TKPK": "1"}
    assert tasks(as_opd) == {}  # not its agency's task
