from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tkpk.accounts.models import User
from tkpk.accounts.services import api_token_create
from tkpk.core.models import AuditEvent
from tkpk.processes.models import HumanTask, TaskStatus
from tkpk.targeting.models import DataRequest, RequestStatus
from tkpk.targeting.tests.test_requests import (  # noqa: F401 (fixtures)
    _file,
    maps,
    media,
)

pytestmark = pytest.mark.django_db

URL = "/api/targeting/requests"
PAYLOAD: dict[str, Any] = {
    "programme": "KJP PLUS",
    "purpose": "Penyaluran bantuan pendidikan.",
    "legal_basis": "Pergub KJP Plus",
    "criteria": {"desil": [1, 2], "regions": ["31.73.04"], "age_min": 6, "age_max": 18},
    "fields": ["name", "kelurahan_code", "desil"],
}


def _token(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(user=user, name='test')[1]}"}


def _post(path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return Client().post(path, body, content_type="application/json", headers=headers)


def test_an_opd_files_a_request_through_the_api_and_sees_only_its_own(
    opd_operator: User, other_opd_operator: User, tmp_path: Path
) -> None:
    opd = _token(opd_operator)
    response = _post(URL, PAYLOAD, opd)
    assert response.status_code == 201, response.content
    body = response.json()
    item = DataRequest.objects.get(pk=body["id"])
    assert body["status"] == RequestStatus.SUBMITTED and body["number"] == item.number
    assert body["criteria"] == {
        "desil": [1, 2],
        "regions": ["31.73.04"],
        "age_min": 6,
        "age_max": 18,
    }
    assert HumanTask.objects.filter(
        instance=item.instance, status=TaskStatus.OPEN, step__startswith="Task_FDS_08"
    ).exists()
    theirs = _file(other_opd_operator)
    listed = Client().get(URL, headers=opd).json()
    assert [r["number"] for r in listed] == [item.number]
    assert Client().get(f"{URL}/{theirs.pk}", headers=opd).status_code == 404
    assert Client().get(f"{URL}/{item.pk}", headers=opd).json()["id"] == item.pk


def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(opd_operator: User) -> None:
    opd = _token(opd_operator)
    wrong = {**PAYLOAD, "criteria": {"regions": ["31.99.99"]}}
    response = _post(URL, wrong, opd)
    assert response.status_code == 422 and response.json()["detail"]
    assert _post(URL, {**PAYLOAD, "fields": ["salary"]}, opd).status_code == 422
    assert _post(URL, {**PAYLOAD, "programme": "a\x00b"}, opd).status_code == 422
    assert not DataRequest.objects.exists()


def test_the_secretariat_reviews_through_the_api_with_the_version_read(
    opd_operator: User, secretariat: User
) -> None:
    item = _file(opd_operator)
    sek = _token(secretariat)
    review = {"decision": "approve", "approved_fields": ["name"], "version": item.version}
    assert _post(f"{URL}/{item.pk}/review", review, _token(opd_operator)).status_code == 403
    stale = _post(f"{URL}/{item.pk}/review", {**review, "version": item.version - 1}, sek)
    assert stale.status_code == 409
    extra = _post(f"{URL}/{item.pk}/review", {**review, "approved_fields": ["address"]}, sek)
    assert extra.status_code == 422
    done = _post(f"{URL}/{item.pk}/review", review, sek)
    assert done.status_code == 200 and done.json()["status"] == RequestStatus.APPROVED
    assert done.json()["approved_fields"] == ["name"]
    assert AuditEvent.objects.filter(action="targeting.request_reviewed").count() == 1
    assert len(Client().get(URL, headers=sek).json()) == 1


def test_the_api_refuses_outsiders_and_serves_no_person_rows(
    opd_operator: User, outsider: User, secretariat: User
) -> None:
    item = _file(opd_operator)
    out = _token(outsider)
    assert Client().get(URL).status_code == 401
    assert Client().get(URL, headers=out).status_code == 403
    assert Client().get(f"{URL}/{item.pk}", headers=out).status_code == 403
    assert _post(URL, PAYLOAD, out).status_code == 403
    assert _post(URL, PAYLOAD, _token(secretariat)).status_code == 403  # files only for an OPD
    schema = Client().get("/api/openapi.json").json()
    paths = [p for p in schema["paths"] if p.startswith(URL)]
    assert paths and not any("extract" in p for p in paths)
    assert Client().get(f"{URL}/99999999999", headers=_token(opd_operator)).status_code == 404
