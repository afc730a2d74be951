# No "from __future__ import annotations": django-ninja reads these annotations at run time.
"""Releases of the target data and coverage aggregates (never person-level rows)."""

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from tkpk.api.schemas import ErrorOut
from tkpk.core.permissions import require_role
from tkpk.core.roles import Role
from tkpk.regions.models import KEMENDAGRI_CODE_RE
from tkpk.targeting import selectors_coverage as coverage_sel
from tkpk.targeting.models import Release
from tkpk.targeting.services import release_compare
from tkpk.targeting.services_coverage import coverage_summary

router = Router(tags=["targeting"])

# Release metadata (counts, dates) is for the data steward, the secretariat and the Ketua.
RELEASE_ROLES = (Role.PENGELOLA_DATA, Role.SEKRETARIAT, Role.KETUA)
MAX_ID = 2**31 - 1  # ids beyond the column's range cannot exist (and must not reach the database)


class ReleaseOut(Schema):
    id: int
    source: str
    as_of: date
    persons: int
    households: int
    warning_rows: int
    is_current: bool
    created_at: datetime


class CompareRowOut(Schema):
    kelurahan_code: str | None
    added: int
    removed: int
    desil_changed: int


class CompareOut(Schema):
    release: int
    other: int
    rows: list[CompareRowOut]


class CoverageRowOut(Schema):
    kelurahan_code: str
    desil: int
    programme: str
    target_households: int
    reached: int
    not_reached: int
    inclusion: int


class ProgrammeTotalOut(Schema):
    programme: str
    target_households: int
    reached: int
    not_reached: int
    inclusion: int
    exclusion_rate: float | None


class CoverageOut(Schema):
    release: int
    year: int | None
    quarter: int | None
    programme: str
    region: str
    programmes: list[ProgrammeTotalOut]
    rows: list[CoverageRowOut]


class CoverageFilter(Schema):
    release: int | None = Field(None, ge=1, le=MAX_ID)
    year: int | None = Field(None, ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4)
    programme: str = Field("", max_length=300)
    region: str = Field("", max_length=13)


def _release_out(release: Release) -> dict[str, Any]:
    return {
        "id": release.pk,
        "source": release.source,
        "as_of": release.as_of,
        "persons": release.persons,
        "households": release.households,
        "warning_rows": release.warning_rows,
        "is_current": release.is_current,
        "created_at": release.created_at,
    }


def _release_get(request: HttpRequest, pk: int) -> Release:
    require_role(request.user, *RELEASE_ROLES)
    release = Release.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if release is None:
        raise Http404
    return release


@router.get("/releases", response={200: list[ReleaseOut], 403: ErrorOut})
def release_list(request: HttpRequest) -> Any:
    """Releases of the priority target data, newest first (metadata only)."""
    require_role(request.user, *RELEASE_ROLES)
    return [_release_out(r) for r in Release.objects.all()]


@router.get("/releases/{release_id}", response={200: ReleaseOut, 403: ErrorOut, 404: ErrorOut})
def release_detail(request: HttpRequest, release_id: int) -> Any:
    return _release_out(_release_get(request, release_id))


@router.get(
    "/releases/{release_id}/compare/{other_id}",
    response={200: CompareOut, 403: ErrorOut, 404: ErrorOut},
)
def release_compare_view(request: HttpRequest, release_id: int, other_id: int) -> Any:
    """Per kelurahan: households added, removed and with a changed desil from `release_id` to
    `other_id` (counts only)."""
    old = _release_get(request, release_id)
    new = _release_get(request, other_id)
    frame = release_compare(old=old, new=new)
    return {"release": old.pk, "other": new.pk, "rows": frame.to_dicts()}


@router.get("/coverage", response={200: CoverageOut, 403: ErrorOut, 404: ErrorOut})
def coverage(request: HttpRequest, filters: Query[CoverageFilter]) -> Any:
    """Coverage per kelurahan × desil × programme (aggregates only), scoped like the page:
    a Wilayah user gets its region's kelurahan, an OPD its own programmes."""
    release = coverage_sel.coverage_release_get(user=request.user, pk=filters.release)
    if release is None:
        raise Http404
    region = filters.region.strip()
    if region and not KEMENDAGRI_CODE_RE.match(region):
        raise Http404
    quarter = filters.quarter
    lists = coverage_sel.coverage_lists_for_user(
        user=request.user,
        release=release,
        year=filters.year,
        quarter=quarter,
        programme=filters.programme,
    )
    cube = coverage_sel.coverage_cube_for_user(
        user=request.user, release=release, lists=lists, region=region
    )
    return {
        "release": release.pk,
        "year": filters.year,
        "quarter": quarter,
        "programme": filters.programme,
        "region": region,
        "programmes": coverage_summary(cube=cube, by="programme").to_dicts(),
        "rows": cube.to_dicts(),
    }
