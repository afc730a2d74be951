"""The monitoring API with API tokens: scoping like the pages, stale saves answer 409, rule and
validation errors 422, another OPD's report 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tkpk.accounts.models import User
from tkpk.accounts.services import api_token_create
from tkpk.monitoring.models import Instrument, ReportValue
from tkpk.monitoring.services_reports import period_lock, report_submit, report_verify
from tkpk.monitoring.tests.factories import fill, open_quarter, report_of

pytestmark = pytest.mark.django_db
API = "/api/monitoring"


def token(user: User) -> str:
    return api_token_create(user=user, name="test")[1]


def call(method: str, path: str, user_token: str, body: Any = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {user_token}"}
    client = Client()
    if method == "get":
        return client.get(API + path, params, headers=headers)
    return client.patch(API + path, body, content_type="application/json", headers=headers)


def test_the_board_and_reports_are_scoped_like_the_pages(
    instrument: Instrument,
    opd_operator: User,
    secretariat: User,
    outsider: User,
) -> None:
    q1 = open_quarter(instrument, 1)
    fill(report_of(q1, "Dinsos"), opd_operator, physical="250")
    opd, sec, out = token(opd_operator), token(secretariat), token(outsider)

    board = call("get", "/board", opd, year=2028).json()
    assert {(e["opd"], e["quarter"], e["state"]) for e in board} == {
        ("Dinsos", 1, "draft"),
        ("Dinsos", 2, "scheduled"),
        ("Dinsos", 3, "scheduled"),
        ("Dinsos", 4, "scheduled"),
    }
    assert next(e for e in board if e["quarter"] == 1)["report_id"] == report_of(q1, "Dinsos").pk
    assert len(call("get", "/board", sec, year=2028).json()) == 8

    own = call("get", "/reports", opd, year=2028, quarter=1).json()
    assert [r["opd"] for r in own] == ["Dinsos"]
    assert [r["opd"] for r in call("get", "/reports", sec, year=2028, quarter=1).json()] == [
        "Dinsos",
        "Disdik",
    ]
    assert call("get", "/reports", opd, year=2027, quarter=1).json() == []
    assert call("get", "/reports", opd, year=2028, quarter=5).status_code == 422

    detail = call("get", f"/reports/{own[0]['id']}", opd).json()
    assert detail["state"] == "draft"
    assert [(v["code"], v["physical"], v["editable"]) for v in detail["values"]] == [
        ("P1.1.1", "250.0000", True)
    ]
    foreign = report_of(q1, "Disdik").pk
    assert call("get", f"/reports/{foreign}", opd).status_code == 404
    assert call("get", f"/reports/{foreign}", sec).status_code == 200
    for path, params in (("/board", {"year": 2028}), ("/reports", {"year": 2028, "quarter": 1})):
        assert call("get", path, out, **params).status_code == 403
    assert call("get", f"/reports/{foreign}", out).status_code == 403
    assert Client().get(f"{API}/board", {"year": 2028}).status_code == 401


def test_an_opd_saves_its_own_value_and_a_stale_or_foreign_save_changes_nothing(
    instrument: Instrument,
    opd_operator: User,
    other_opd_operator: User,
    secretariat: User,
) -> None:
    q1 = open_quarter(instrument, 1)
    own_report, foreign_report = report_of(q1, "Dinsos"), report_of(q1, "Disdik")
    value = own_report.values.get()
    foreign = foreign_report.values.get()
    opd = token(opd_operator)
    path = f"/reports/{own_report.pk}/values/{value.pk}"

    ok = call("patch", path, opd, {"lock_version": value.lock_version, "physical": "280"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["achievement"] == "93.33" and ok.json()["lock_version"] == 1
    stale = call("patch", path, opd, {"lock_version": value.lock_version, "physical": "999"})
    assert stale.status_code == 409
    assert ReportValue.objects.get(pk=value.pk).physical == 280

    invalid = call("patch", path, opd, {"lock_version": 1, "beneficiaries_by_sex": {"X": 3}})
    assert invalid.status_code == 422
    negative = call("patch", path, opd, {"lock_version": 1, "budget": "-5"})
    assert negative.status_code == 422

    foreign_path = f"/reports/{foreign_report.pk}/values/{foreign.pk}"
    body = {"lock_version": foreign.lock_version, "physical": "1"}
    assert call("patch", foreign_path, opd, body).status_code == 404
    # Another OPD's value under one's own report id: not found either.
    mixed = f"/reports/{own_report.pk}/values/{foreign.pk}"
    assert call("patch", mixed, opd, body).status_code == 404
    # The secretariat reads every report but does not fill in an OPD's figures.
    assert call("patch", foreign_path, token(secretariat), body).status_code == 403
    assert ReportValue.objects.get(pk=foreign.pk).physical is None

    # Once accepted and locked, a save answers 422 (rule of the period) and changes nothing.
    fill(own_report, opd_operator, budget="100")
    report_submit(report=own_report, by=opd_operator)
    other = token(other_opd_operator)
    fill(foreign_report, other_opd_operator, physical="500", budget="100")
    report_submit(report=foreign_report, by=other_opd_operator)
    for r in (own_report, foreign_report):
        report_verify(report=r, by=secretariat, decision="accept")
    period_lock(period=q1, by=secretariat)
    value.refresh_from_db()
    locked = call("patch", path, opd, {"lock_version": value.lock_version, "physical": "1"})
    assert locked.status_code == 422
    assert ReportValue.objects.get(pk=value.pk).physical == 280
    assert call("get", f"/reports/{foreign_report.pk}", other).json()["period_state"] == "locked"
