from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from config.wsgi import application
from tkpk.accounts.models import User
from tkpk.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def opd_token(opd_operator: User) -> str:
    return api_token_create(user=opd_operator, name="test")[1]


@pytest.fixture
def outsider_token(outsider: User) -> str:
    return api_token_create(user=outsider, name="test")[1]


def _get(path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().get(path, params, headers=headers)


def test_the_schema_and_docs_page_are_served() -> None:
    schema = Client().get("/api/openapi.json").json()
    assert "/api/regions" in schema["paths"] and "/api/me" in schema["paths"]
    assert (
        "BearerAuth" in str(schema["components"]["securitySchemes"])
        or schema["components"]["securitySchemes"]
    )
    assert Client().get("/api/docs").status_code == 200


def test_requests_without_credentials_are_refused(reference: None) -> None:
    assert _get("/api/regions").status_code == 401
    assert _get("/api/regions", token="tkpk_not-a-real-token").status_code == 401


def test_a_token_without_any_role_is_refused_like_the_pages(outsider_token: str) -> None:
    assert _get("/api/regions", outsider_token).status_code == 403
    assert _get("/api/me", outsider_token).status_code == 403


def test_regions_are_listed_filtered_and_paginated(opd_token: str) -> None:
    body = _get("/api/regions", opd_token, level="kelurahan", parent="31.73.04", limit=5).json()
    assert body["count"] == 11 and len(body["items"]) == 5
    assert all(r["code"].startswith("31.73.04.") for r in body["items"])
    pusat = _get("/api/regions/31.71", opd_token).json()
    assert pusat["bps_code"] == "3173" and pusat["level"] == "kabupaten_kota"
    assert _get("/api/regions/99.99", opd_token).status_code == 404


def test_the_browser_session_also_authenticates(as_opd: Client) -> None:
    me = as_opd.get("/api/me").json()
    assert me["username"] == "budi" and me["roles"][0]["role"] == "opd"


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """In-process WSGI calls end with request_finished, which closes "old" connections; on
    PostgreSQL that would close the test transaction's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
def test_the_api_never_answers_with_a_server_error(
    case: Any, opd_token: str, keep_test_connection: None
) -> None:
    # The token fixture is created once for all generated cases on purpose: read-only calls.
    response = case.call(headers={"Authorization": f"Bearer {opd_token}"})
    assert response.status_code < 500, (case.path, case.query, response.text[:300])


def test_an_opd_changes_its_own_matrix_row_through_the_api_and_not_another_opds(
    opd_token: str,
) -> None:
    from tkpk.planning.demo import demo_plans_load  # noqa: PLC0415
    from tkpk.planning.models import Plan  # noqa: PLC0415

    demo_plans_load()
    rat = Plan.objects.get(kind="rat", year_start=2027)
    rows = _get(f"/api/plans/{rat.pk}/matrix", opd_token).json()
    own = next(r for r in rows if r["code"] == "P1.1.1")
    other = next(r for r in rows if r["code"] == "P2.1.1")
    headers = {"Authorization": f"Bearer {opd_token}"}
    ok = Client().patch(
        f"/api/plans/{rat.pk}/matrix/{own['id']}",
        {"lock_version": own["lock_version"], "target": "1300"},
        content_type="application/json",
        headers=headers,
    )
    assert ok.status_code == 200 and ok.json()["target"] in ("1300", "1300.0000", 1300)
    stale = Client().patch(
        f"/api/plans/{rat.pk}/matrix/{own['id']}",
        {"lock_version": own["lock_version"], "target": "1"},
        content_type="application/json",
        headers=headers,
    )
    assert stale.status_code == 409
    refused = Client().patch(
        f"/api/plans/{rat.pk}/matrix/{other['id']}",
        {"lock_version": other["lock_version"], "target": "1"},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 403
    assert rat.matrix.get(code="P2.1.1").target == 1200
