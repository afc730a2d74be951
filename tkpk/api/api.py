# No "from __future__ import annotations": django-ninja reads these annotations at run time.
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from tkpk.api.auth import SessionAuth, TokenAuth
from tkpk.api.schemas import ErrorOut, MembershipOut, MeOut, RegionOut
from tkpk.core.permissions import memberships_for, require_member
from tkpk.core.roles import Role
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
