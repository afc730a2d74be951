from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tkpk.evaluation.tests.test_dashboard_pages import YEAR, csv_rows
from tkpk.monitoring.models import Instrument

pytestmark = pytest.mark.django_db
URL = "/api/evaluation/dashboard"


def tables(client: Client, **params: Any) -> dict[str, dict[str, Any]]:
    response = client.get(URL, {"year": YEAR, **params})
    assert response.status_code == 200, response.content
    return {t["key"]: t for t in response.json()["tables"]}


def test_the_api_gives_the_dashboard_tables_the_csv_downloads_hold(
    computed: Instrument, as_secretariat: Client
) -> None:
    found = tables(as_secretariat)
    assert {"macro-P0", "achievement-opd", "completeness", "tasks"} <= set(found)
    opd = found["achievement-opd"]
    rows = csv_rows(as_secretariat, "achievement-opd")
    assert opd["headers"] == rows[0]
    assert [[("" if v is None else str(v)) for v in r] for r in opd["rows"]] == rows[1:]
    one = as_secretariat.get(f"{URL}/achievement-opd", {"year": YEAR, "quarter": 1}).json()
    assert {r[0]: r[2] for r in one["rows"]}["Dinsos"] == "80"
    assert as_secretariat.get(f"{URL}/nothing", {"year": YEAR}).status_code == 404


def test_the_api_scopes_like_the_page(
    computed: Instrument, as_opd: Client, as_verifier: Client, as_outsider: Client
) -> None:
    assert [r[0] for r in tables(as_opd)["achievement-opd"]["rows"]] == ["Dinsos"]
    assert "achievement-opd" not in tables(as_verifier)
    assert as_outsider.get(URL, {"year": YEAR}).status_code == 403
    assert Client().get(URL).status_code == 401
