"""The releases and coverage API: metadata and aggregates only, scoped like the pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tkpk.accounts.models import User
from tkpk.accounts.services import api_token_create, membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.targeting.tests.test_coverage import (
    KEL_A,
    KEL_B,
    PERSONS,
    Case,
    coverage_case,
    release_import,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(reference: None, tmp_path: Path) -> Case:
    return coverage_case(tmp_path)


def _token(user: User) -> str:
    return api_token_create(user=user, name="test")[1]


def _user(username: str, role: Role) -> User:
    user = user_create(username=username, full_name=username.title())
    membership_grant(user=user, role=role)
    return user


def _get(path: str, token: str, **params: Any) -> Any:
    return Client().get(path, params, headers={"Authorization": f"Bearer {token}"})


def test_releases_are_listed_for_the_data_steward_secretariat_and_ketua_only(
    case: Case, secretariat: User, opd_operator: User, kelurahan_verifier: User, outsider: User
) -> None:
    for user in (_user("agus", Role.PENGELOLA_DATA), _user("ketua", Role.KETUA), secretariat):
        body = _get("/api/targeting/releases", _token(user)).json()
        assert [r["id"] for r in body] == [case.release.pk]
        assert body[0]["persons"] == 11 and body[0]["households"] == 8
        assert body[0]["is_current"] is True and body[0]["source"] == "DTSEN"
    for user in (opd_operator, kelurahan_verifier, outsider):
        assert _get("/api/targeting/releases", _token(user)).status_code == 403
    token = _token(secretariat)
    detail = _get(f"/api/targeting/releases/{case.release.pk}", token).json()
    assert detail["as_of"] == "2026-06-30" and set(detail) == {
        "id",
        "source",
        "as_of",
        "persons",
        "households",
        "warning_rows",
        "is_current",
        "created_at",
    }
    assert _get("/api/targeting/releases/999999", token).status_code == 404
    assert _get(f"/api/targeting/releases/{case.release.pk}", _token(outsider)).status_code == 403


def test_two_releases_are_compared_per_kelurahan(
    case: Case, secretariat: User, tmp_path: Path
) -> None:
    changed = [p for p in PERSONS if p[0] != "H6"]  # H6 left; H2 moved up to desil 5
    changed[2] = ("H2", KEL_A, 5)
    newer = release_import(tmp_path, changed, as_of=date(2026, 9, 30))
    body = _get(
        f"/api/targeting/releases/{case.release.pk}/compare/{newer.pk}", _token(secretariat)
    ).json()
    rows = {r["kelurahan_code"]: r for r in body["rows"]}
    assert rows[KEL_A]["desil_changed"] == 1 and rows[KEL_A]["removed"] == 0
    assert rows[KEL_B]["removed"] == 1 and rows[KEL_B]["added"] == 0


def test_coverage_aggregates_are_scoped_like_the_page_and_hold_no_person_data(
    case: Case, secretariat: User, opd_operator: User, kelurahan_verifier: User, outsider: User
) -> None:
    full = _get("/api/targeting/coverage", _token(secretariat)).json()
    assert full["release"] == case.release.pk
    assert {p["programme"]: p["not_reached"] for p in full["programmes"]} == {"PKH": 4, "PIP": 3}
    assert len(full["rows"]) == 12
    assert set(full["rows"][0]) == {
        "kelurahan_code",
        "desil",
        "programme",
        "target_households",
        "reached",
        "not_reached",
        "inclusion",
    }
    regional = _get("/api/targeting/coverage", _token(kelurahan_verifier)).json()
    assert {r["kelurahan_code"] for r in regional["rows"]} == {KEL_A}
    own = _get("/api/targeting/coverage", _token(opd_operator)).json()
    assert {r["programme"] for r in own["rows"]} == {"PKH"}
    kota = _get("/api/targeting/coverage", _token(secretariat), region="31.73", programme="PIP")
    assert {r["kelurahan_code"] for r in kota.json()["rows"]} == {KEL_A, KEL_B}
    assert _get("/api/targeting/coverage", _token(outsider)).status_code == 403
    assert _get("/api/targeting/coverage", _token(secretariat), quarter=9).status_code == 422
    assert _get("/api/targeting/coverage", _token(secretariat), year=2030).json()["rows"] == []
