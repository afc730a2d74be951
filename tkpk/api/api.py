# No "from __future__ import annotations": django-ninja reads these annotations at run time.
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from tkpk.accounts.models import User
from tkpk.api.auth import SessionAuth, TokenAuth
from tkpk.api.schemas import (
    ErrorOut,
    MatrixRowOut,
    MatrixRowPatch,
    MembershipOut,
    MeOut,
    PlanOut,
    RegionOut,
)
from tkpk.core.permissions import memberships_for, require_member
from tkpk.core.roles import Role
from tkpk.planning import selectors as plan_selectors
from tkpk.planning import services as plan_services
from tkpk.planning.models import MatrixRow
from tkpk.regions import selectors as region_selectors
from tkpk.regions.models import Level, Region

api = NinjaAPI(
    title="TKPK API",
    version="1",
    description=(
        "JSON API of the TKPK system. Authenticate with `Authorization: Bearer <token>` "
        "(create a token on the API tokens page) or the browser session. Every endpoint "
        "applies the same role and scope checks as the pages."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "Forbidden"}, status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


def _region_out(region: Region) -> dict[str, Any]:
    bps = next((c.code for c in region.external_codes.all() if c.system == "bps"), None)
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent": region.parent_id,
        "population_total": region.population_total,
        "area_km2": region.area_km2,
        "bps_code": bps,
    }


@api.get("/me", response={200: MeOut, 403: ErrorOut}, tags=["accounts"])
def me(request: HttpRequest) -> dict[str, Any]:
    """The authenticated user and their roles with scope."""
    user: Any = request.user
    require_member(user)
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "organisation": str(user.organisation) if user.organisation_id else None,
        "roles": [
            MembershipOut(
                role=m.role,
                role_label=str(Role(m.role).label),
                organisation=str(m.organisation) if m.organisation_id else None,
                region=m.region_id,
            )
            for m in memberships_for(user)
        ],
    }


class RegionFilter(Schema):
    q: str = ""
    level: Level | None = None
    parent: str = ""


@api.get("/regions", response={200: list[RegionOut], 403: ErrorOut}, tags=["regions"])
@paginate(LimitOffsetPagination)
def region_list(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    """Administrative units (Kemendagri codes), filterable by name/code, level and parent."""
    regions = region_selectors.region_search(
        user=request.user,
        query=filters.q,
        level=filters.level.value if filters.level else "",
        parent=filters.parent.strip(),
    ).prefetch_related("external_codes")
    return [_region_out(r) for r in regions]


@api.get(
    "/regions/{code}", response={200: RegionOut, 403: ErrorOut, 404: ErrorOut}, tags=["regions"]
)
def region_detail(request: HttpRequest, code: str) -> Any:
    return _region_out(region_selectors.region_get(user=request.user, code=code))


def _row_out(row: MatrixRow) -> dict[str, Any]:
    return {
        "id": row.pk,
        "code": row.code,
        "level": row.level,
        "name": row.name,
        "opd": row.opd.acronym or row.opd.name,
        "indicator": row.indicator,
        "unit": row.unit,
        "target": row.target,
        "target_q1": row.target_q1,
        "target_q2": row.target_q2,
        "target_q3": row.target_q3,
        "target_q4": row.target_q4,
        "budget": row.budget,
        "lock_version": row.lock_version,
    }


@api.get("/plans", response={200: list[PlanOut], 403: ErrorOut}, tags=["planning"])
def plan_list(request: HttpRequest) -> Any:
    """RPKD and RAT plans (public documents of the province; any member reads them)."""
    return list(plan_selectors.plan_list_for_user(user=request.user))


@api.get(
    "/plans/{plan_id}/matrix",
    response={200: list[MatrixRowOut], 403: ErrorOut, 404: ErrorOut},
    tags=["planning"],
)
def plan_matrix(request: HttpRequest, plan_id: int) -> Any:
    plan = plan_selectors.plan_get_for_user(user=request.user, pk=plan_id)
    return [_row_out(r) for r in plan_selectors.matrix_rows(plan=plan)]


@api.patch(
    "/plans/{plan_id}/matrix/{row_id}",
    response={200: MatrixRowOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["planning"],
)
def plan_matrix_row_update(
    request: HttpRequest, plan_id: int, row_id: int, payload: MatrixRowPatch
) -> Any:
    """Change a matrix row; an OPD only its own rows. ``lock_version`` must be the one read:
    a row saved by someone else since then answers 409 and is not changed."""
    plan = plan_selectors.plan_get_for_user(user=request.user, pk=plan_id)
    row = plan_selectors.row_get_for_user(user=request.user, plan=plan, pk=row_id)
    changes = payload.dict(exclude_unset=True)
    lock_version = changes.pop("lock_version")
    try:
        saved = plan_services.matrix_row_save(
            plan=plan,
            by=cast(User, request.user),
            data=changes,
            row=row,
            lock_version=lock_version,
        )
    except plan_services.ConcurrentEditError as exc:
        return 409, {"detail": " ".join(exc.messages)}
    except ValidationError as exc:
        return 422, {"detail": " ".join(exc.messages)}
    return _row_out(saved)


# Target data: releases and coverage aggregates, data requests (routers kept with the app).
api.add_router("/targeting", "tkpk.targeting.api_releases.router")
api.add_router("/targeting", "tkpk.targeting.api_requests.router")
api.add_router("/monitoring", "tkpk.monitoring.api.router")
api.add_router("/evaluation", "tkpk.evaluation.api.router")
