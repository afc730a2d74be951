from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tkpk.evaluation.services import dashboard_refresh
from tkpk.targeting.tests.test_coverage import KEL_A, coverage_case

pytestmark = pytest.mark.django_db
YEAR = 2026


@pytest.fixture
def computed(reference: None, tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TKPK_BOUNDARY_GEOJSON = ""
    coverage_case(tmp_path)  # PKH (Dinsos) and PIP (Disdik) linked to the current release
    dashboard_refresh(year=YEAR)


def coverage(client: Client, **params: str) -> dict[tuple[str, str], list[str]]:
    response = client.get(
        reverse("evaluation:dashboard_csv", args=["coverage"]), {"year": str(YEAR), **params}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {(r[1], r[2]): r[3:] for r in rows[1:]}


def test_coverage_gaps_are_shown_per_kota_and_drill_down_to_kelurahan(
    computed: None, as_secretariat: Client
) -> None:
    # Per region and programme (never added over programmes: a household targeted by both
    # counts in each): target, reached, not reached, exclusion rate, outside the target deciles.
    assert coverage(as_secretariat) == {
        ("31.71", "PIP"): ["1", "1", "0", "0.0", "1"],
        ("31.71", "PKH"): ["2", "0", "2", "100.0", "0"],
        ("31.73", "PIP"): ["3", "0", "3", "100.0", "0"],
        ("31.73", "PKH"): ["4", "2", "2", "50.0", "1"],
    }
    assert coverage(as_secretariat, region="31.73") == {
        ("31.73.04", "PIP"): ["3", "0", "3", "100.0", "0"],
        ("31.73.04", "PKH"): ["4", "2", "2", "50.0", "1"],
    }
    assert {code for code, _p in coverage(as_secretariat, region="31.73.04")} == {
        KEL_A,
        "31.73.04.1001",
    }
    html = as_secretariat.get(reverse("evaluation:dashboard"), {"year": YEAR}).content.decode()
    assert 'id="chart-coverage"' in html and 'data-testid="drill-31.73"' in html


def test_an_opd_sees_the_coverage_of_its_own_programmes_only(
    computed: None, as_opd: Client
) -> None:
    assert coverage(as_opd) == {
        ("31.71", "PKH"): ["2", "0", "2", "100.0", "0"],
        ("31.73", "PKH"): ["4", "2", "2", "50.0", "1"],
    }


def test_a_kelurahan_verifier_sees_its_kelurahan_only(computed: None, as_verifier: Client) -> None:
    own = {
        (KEL_A, "PIP"): ["2", "0", "2", "100.0", "0"],
        (KEL_A, "PKH"): ["3", "1", "2", "66.7", "1"],
    }
    assert coverage(as_verifier) == own
    assert coverage(as_verifier, region="31.71") == own
