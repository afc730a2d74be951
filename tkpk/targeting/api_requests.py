# No "from __future__ import annotations": django-ninja reads these annotations at run time.
"""Data requests over the API: the same scoping and services as the pages.

No person-level data is served here: the extract is downloaded on the request page only, where
expiry is checked and every download is audited.
"""

from datetime import datetime
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from tkpk.accounts.models import User
from tkpk.api.schemas import ErrorOut
from tkpk.targeting import selectors_requests as sel
from tkpk.targeting import services_requests as svc
from tkpk.targeting.models import DataRequest

router = Router(tags=["targeting"])

FieldName = Literal[
    "nik",
    "kk",
    "name",
    "sex",
    "birth_date",
    "birth_place",
    "address",
    "kelurahan_code",
    "desil",
    "relationship",
]


class CriteriaIn(Schema):
    desil: list[int] = Field(default_factory=list, description="Deciles 1–10.")
    regions: list[str] = Field(
        default_factory=list, description="Kemendagri codes of kota, kecamatan or kelurahan."
    )
    age_min: int | None = None
    age_max: int | None = None
    sex: Literal["", "L", "P"] = ""
    household_size_min: int | None = None
    household_size_max: int | None = None
    head_only: bool = False
    with_children_under_6: bool = False
    with_elderly: bool = False


class DataRequestIn(Schema):
    programme: str
    purpose: str
    legal_basis: str
    criteria: CriteriaIn = Field(default_factory=CriteriaIn)
    fields: list[FieldName]
    needs_identifiers: bool = False


class ReviewIn(Schema):
    decision: Literal["approve", "changes", "reject"]
    note: str = ""
    approved_fields: list[FieldName] = Field(default_factory=list)
    identifiers_approved: bool = False
    valid_days: int = 30
    version: int


class ReturnedListOut(Schema):
    id: int
    status: str
    rows: int
    matched_exact: int
    matched_model: int
    review_pending: int
    unmatched: int


class DataRequestOut(Schema):
    id: int
    number: str
    organisation: str
    programme: str
    purpose: str
    legal_basis: str
    criteria: dict[str, Any]
    fields: list[str]
    needs_identifiers: bool
    status: str
    approved_fields: list[str]
    identifiers_approved: bool
    review_note: str
    valid_days: int
    extract_rows: int
    extracted_at: datetime | None
    expires_at: datetime | None
    created_at: datetime
    version: int
    returned_lists: list[ReturnedListOut]


def _out(item: DataRequest) -> dict[str, Any]:
    return {
        "id": item.pk,
        "number": item.number,
        "organisation": str(item.organisation),
        "programme": item.programme,
        "purpose": item.purpose,
        "legal_basis": item.legal_basis,
        "criteria": item.criteria,
        "fields": item.fields,
        "needs_identifiers": item.needs_identifiers,
        "status": item.status,
        "approved_fields": item.approved_fields,
        "identifiers_approved": item.identifiers_approved,
        "review_note": item.review_note,
        "valid_days": item.valid_days,
        "extract_rows": item.extract_rows,
        "extracted_at": item.extracted_at,
        "expires_at": item.expires_at,
        "created_at": item.created_at,
        "version": item.version,
        "returned_lists": [
            {
                "id": b.pk,
                "status": b.status,
                "rows": b.rows,
                "matched_exact": b.matched_exact,
                "matched_model": b.matched_model,
                "review_pending": b.review_pending,
                "unmatched": b.unmatched,
            }
            for b in sel.returned_lists(request=item)
        ],
    }


def _error(exc: ValidationError) -> dict[str, str]:
    return {"detail": " ".join(exc.messages)}


@router.get("/requests", response={200: list[DataRequestOut], 403: ErrorOut})
def request_list(request: HttpRequest) -> Any:
    """Data requests: an OPD its own organisation's, the secretariat and data steward all."""
    return [_out(r) for r in sel.data_request_list_for_user(user=request.user)]


@router.get("/requests/{request_id}", response={200: DataRequestOut, 403: ErrorOut, 404: ErrorOut})
def request_detail(request: HttpRequest, request_id: int) -> Any:
    return _out(sel.data_request_get_for_user(user=request.user, pk=request_id))


@router.post("/requests", response={201: DataRequestOut, 403: ErrorOut, 422: ErrorOut})
def request_file(request: HttpRequest, payload: DataRequestIn) -> Any:
    """File and submit a request for the caller's own OPD (OPD operators only)."""
    sel.data_request_list_for_user(user=request.user)
    organisation = sel.own_organisation(request.user)
    try:
        item = svc.data_request_create(
            organisation=organisation,
            by=cast(User, request.user),
            programme=payload.programme,
            purpose=payload.purpose,
            legal_basis=payload.legal_basis,
            criteria=payload.criteria.dict(),
            fields=list(payload.fields),
            needs_identifiers=payload.needs_identifiers,
            submit=True,
        )
    except ValidationError as exc:
        return Status(422, _error(exc))
    return Status(201, _out(item))


@router.post(
    "/requests/{request_id}/review",
    response={200: DataRequestOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def request_review(request: HttpRequest, request_id: int, payload: ReviewIn) -> Any:
    """The secretariat's decision. `version` must be the one read: a request changed since
    answers 409 and is not changed."""
    item = sel.data_request_get_for_user(user=request.user, pk=request_id)
    try:
        item = svc.data_request_review(
            request=item,
            by=cast(User, request.user),
            decision=payload.decision,
            note=payload.note,
            approved_fields=list(payload.approved_fields),
            identifiers_approved=payload.identifiers_approved,
            valid_days=payload.valid_days,
            version=payload.version,
        )
    except svc.ConcurrentEditError as exc:
        return Status(409, _error(exc))
    except ValidationError as exc:
        return Status(422, _error(exc))
    return _out(item)
