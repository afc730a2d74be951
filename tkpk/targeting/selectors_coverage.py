"""Who sees which coverage figures, and the lists and releases a coverage question runs on.

Aggregates: Sekretariat, Ketua, Gubernur and Pengelola Data see the whole province; a Wilayah
user sees every programme but only the kelurahan of its region; an OPD sees only the programmes
of its own agency's lists (province-wide). Household drill-downs go through `persons_read`
(roles in `persons.PERSON_READ_ROLES`, within scope); OPD users get no drill-down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.http import Http404

from tkpk.core.permissions import require_role, scope_for
from tkpk.core.roles import Role
from tkpk.regions.models import Level, Region
from tkpk.targeting.models import BeneficiaryList, ListStatus, Release
from tkpk.targeting.services_coverage import coverage_cube

COVERAGE_ROLES = (
    Role.SEKRETARIAT,
    Role.KETUA,
    Role.GUBERNUR,
    Role.PENGELOLA_DATA,
    Role.WILAYAH,
    Role.OPD,
)
REGION_ROLES = (Role.WILAYAH,)


@dataclass(frozen=True)
class CoverageAccess:
    province_wide: bool
    all_programmes: bool  # province-wide or Wilayah: every programme (Wilayah: own region)
    organisation_ids: frozenset[int]  # OPD: its agencies' lists, province-wide
    region_codes: frozenset[str]  # Wilayah: rows of these regions, every programme


def coverage_access(*, user: Any) -> CoverageAccess:
    """The user's coverage access; PermissionDenied without any coverage role."""
    scope = require_role(user, *COVERAGE_ROLES)
    regional = scope_for(user, REGION_ROLES)
    opd = scope_for(user, (Role.OPD,))
    return CoverageAccess(
        province_wide=scope.province_wide,
        all_programmes=scope.province_wide or not regional.is_empty,
        organisation_ids=opd.organisation_ids,
        region_codes=regional.region_codes,
    )


def coverage_releases_for_user(*, user: Any) -> QuerySet[Release]:
    coverage_access(user=user)
    return Release.objects.all()


def coverage_release_get(*, user: Any, pk: int | None) -> Release | None:
    """The release asked for (404 when unknown), else the current one (None when none is)."""
    releases = coverage_releases_for_user(user=user)
    if pk is None:
        return releases.filter(is_current=True).first() or releases.first()
    release = releases.filter(pk=pk).first()
    if release is None:
        raise Http404
    return release


def coverage_lists_for_user(
    *,
    user: Any,
    release: Release,
    year: int | None = None,
    quarter: int | None = None,
    programme: str = "",
) -> list[BeneficiaryList]:
    """Linked lists of `release` the user may see figures for, filtered by period/programme."""
    access = coverage_access(user=user)
    lists = BeneficiaryList.objects.filter(release=release, status=ListStatus.LINKED).exclude(
        links_path=""
    )
    if not access.all_programmes:
        lists = lists.filter(organisation_id__in=sorted(access.organisation_ids))
    if year is not None:
        lists = lists.filter(year=year)
    if quarter is not None:
        lists = lists.filter(quarter=quarter)
    if programme:
        lists = lists.filter(programme=programme)
    return list(lists.select_related("organisation").order_by("programme", "year", "quarter"))


def coverage_periods_for_user(*, user: Any, release: Release) -> list[tuple[int, int | None]]:
    """(year, quarter) pairs of the lists the user may see on `release`, newest first."""
    lists = coverage_lists_for_user(user=user, release=release)
    return sorted({(item.year, item.quarter) for item in lists}, key=lambda p: (p[0], p[1] or 0))[
        ::-1
    ]


def _region_expr(codes: Sequence[str]) -> pl.Expr:
    expr = pl.lit(False)
    for code in codes:
        expr = (
            expr
            | (pl.col("kelurahan_code") == code)
            | pl.col("kelurahan_code").str.starts_with(code + ".")
        )
    return expr


def coverage_cube_for_user(
    *,
    user: Any,
    release: Release,
    lists: Sequence[BeneficiaryList],
    region: str = "",
) -> pl.DataFrame:
    """`coverage_cube` restricted to what the user may see, optionally to one region."""
    access = coverage_access(user=user)
    cube = coverage_cube(release=release, lists=lists)
    if not access.province_wide:
        own = {item.programme for item in lists if item.organisation_id in access.organisation_ids}
        visible = pl.col("programme").is_in(sorted(own))
        if access.region_codes:
            visible = visible | _region_expr(sorted(access.region_codes))
        cube = cube.filter(visible)
    if region:
        cube = cube.filter(_region_expr([region]))
    return cube


def coverage_region_names(*, codes: Sequence[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def coverage_region_choices(*, user: Any) -> list[Region]:
    """Kota and kecamatan the user may filter on (a Wilayah user: those within its region)."""
    access = coverage_access(user=user)
    regions = list(Region.objects.filter(level__in=[Level.KABUPATEN_KOTA, Level.KECAMATAN]))
    if not access.province_wide and access.region_codes and not access.organisation_ids:
        regions = [
            r
            for r in regions
            if any(r.code == c or r.code.startswith(c + ".") for c in access.region_codes)
        ]
    return regions
