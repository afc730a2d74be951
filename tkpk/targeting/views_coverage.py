"""Coverage pages: figures per kelurahan × desil × programme, the map, the household drill-down."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import polars as pl
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tkpk.core.permissions import scope_for
from tkpk.regions.models import KEMENDAGRI_CODE_RE
from tkpk.targeting import selectors_coverage as sel
from tkpk.targeting.models import Release
from tkpk.targeting.persons import PERSON_READ_ROLES, may_reveal
from tkpk.targeting.services_coverage import (
    CATEGORIES,
    DEFAULT_TARGET_DESIL_MAX,
    boundaries_load,
    coverage_summary,
)
from tkpk.targeting.services_coverage import coverage_households as households_read

PAGE_SIZE = 20
REVEALED = ("nik", "kk", "name", "address", "birth_place", "birth_date")


class CoverageFilter(forms.Form):
    """The page's filters; every field optional (defaults: current release, newest year)."""

    release = forms.TypedChoiceField(label=gettext_lazy("Release"), coerce=int, required=False)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", gettext_lazy("All quarters"))] + [(q, f"TW{q}") for q in range(1, 5)],
    )
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("Kota / kecamatan"), required=False)

    def __init__(
        self,
        data: Any,
        *,
        releases: list[Release],
        years: list[int],
        programmes: list[str],
        regions: list[tuple[str, str]],
    ) -> None:
        super().__init__(data)
        choices: dict[str, list[tuple[Any, str]]] = {
            "release": [(r.pk, str(r)) for r in releases],
            "year": [(y, str(y)) for y in years],
            "programme": [(p, p) for p in programmes],
            "region": [("", _("Whole province")), *regions],
        }
        for name, options in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = options
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def _drill_url(base: dict[str, Any], **extra: Any) -> str:
    params = {k: v for k, v in {**base, **extra}.items() if v not in (None, "")}
    return reverse("targeting:coverage_households") + "?" + urlencode(params)


def _boundary_path() -> str:
    path = str(getattr(settings, "TKPK_BOUNDARY_GEOJSON", "") or "")
    return path if path and Path(path).is_file() else ""


@login_required
@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    access = sel.coverage_access(user=request.user)
    releases = list(sel.coverage_releases_for_user(user=request.user))
    release = sel.coverage_release_get(user=request.user, pk=_int(request.GET.get("release")))
    context: dict[str, Any] = {"release": release, "releases": releases}
    if release is None:
        return render(request, "targeting/coverage/page.html", context)
    periods = sel.coverage_periods_for_user(user=request.user, release=release)
    years = sorted({y for y, _q in periods}, reverse=True)
    year = _int(request.GET.get("year"))
    year = year if year in years else (years[0] if years else None)
    quarter = _int(request.GET.get("quarter"))
    quarter = quarter if quarter in (1, 2, 3, 4) else None
    lists = (
        sel.coverage_lists_for_user(user=request.user, release=release, year=year, quarter=quarter)
        if year is not None
        else []
    )
    region_units = sel.coverage_region_choices(user=request.user)
    region_choices = [(r.code, f"{r.code} {r.name}") for r in region_units]
    region = request.GET.get("region", "").strip()
    if not KEMENDAGRI_CODE_RE.match(region):
        region = ""
    if region and region not in {c for c, _n in region_choices}:
        region_choices.append((region, region))
    cube = sel.coverage_cube_for_user(
        user=request.user, release=release, lists=lists, region=region
    )
    programmes = sorted(set(cube["programme"].to_list()) | {item.programme for item in lists})
    programme = request.GET.get("programme", "")
    programme = programme if programme in programmes else (programmes[0] if programmes else "")
    form = CoverageFilter(
        {
            "release": release.pk,
            "year": year or "",
            "quarter": quarter or "",
            "programme": programme,
            "region": region,
        },
        releases=releases,
        years=years,
        programmes=programmes,
        regions=region_choices,
    )
    one = cube.filter(pl.col("programme") == programme)
    totals = coverage_summary(cube=one, by="programme").to_dicts()
    by_desil = coverage_summary(cube=one, by="desil", per_programme=False)
    by_kota = coverage_summary(cube=one, by="kota", per_programme=False)
    detail_kelurahan = region.count(".") == 3
    if detail_kelurahan:
        table = coverage_summary(cube=one, by="desil", per_programme=False).with_columns(
            pl.lit(region).alias("code")
        )
    else:
        table = coverage_summary(cube=one, by="kelurahan", per_programme=False)
    kelurahan = coverage_summary(cube=one, by="kelurahan", per_programme=False)
    names = sel.coverage_region_names(
        codes=[*kelurahan["code"].to_list(), *by_kota["code"].to_list(), region]
    )
    target_max = max(
        (i.target_desil_max for i in lists if i.programme == programme),
        default=DEFAULT_TARGET_DESIL_MAX,
    )
    person_scope = scope_for(request.user, PERSON_READ_ROLES)
    base = {
        "release": release.pk,
        "year": year,
        "quarter": quarter,
        "programme": programme,
    }
    rows = []
    for row in _rows(table):
        code = row["code"]
        desil = row.get("desil") if detail_kelurahan else None
        drill = not person_scope.is_empty and person_scope.covers_region(code)
        row["name"] = names.get(code, "")
        row["links"] = (
            {c: _drill_url(base, kelurahan=code, desil=desil, category=c) for c in CATEGORIES}
            if drill
            else {}
        )
        row["detail_url"] = (
            reverse("targeting:coverage")
            + "?"
            + urlencode({k: v for k, v in {**base, "region": code}.items() if v not in (None, "")})
            if not detail_kelurahan
            else ""
        )
        rows.append(row)
    map_data = {
        r["code"]: {
            "name": names.get(r["code"], ""),
            "target": r["target_households"],
            "reached": r["reached"],
            "not_reached": r["not_reached"],
            "inclusion": r["inclusion"],
            "rate": r["exclusion_rate"],
        }
        for r in _rows(kelurahan)
    }
    charts = {
        "desil": {
            "labels": [str(d) for d in by_desil["desil"].to_list()],
            "reached": by_desil["reached"].to_list(),
            "not_reached": by_desil["not_reached"].to_list(),
            "inclusion": by_desil["inclusion"].to_list(),
        },
        "kota": {
            "labels": [names.get(c, c) for c in by_kota["code"].to_list()],
            "rate": [
                round(100 * r, 1) if r is not None else None
                for r in by_kota["exclusion_rate"].to_list()
            ],
        },
        "text": {
            "reached": _("Reached"),
            "not_reached": _("Not reached"),
            "inclusion": _("Outside the target deciles"),
            "rate": _("Exclusion rate (%)"),
            "desil": _("Desil"),
            "target": _("Target households"),
            "no_data": _("no figures"),
        },
    }
    context.update(
        {
            "form": form,
            "access": access,
            "year": year,
            "quarter": quarter,
            "programme": programme,
            "region": region,
            "selected_region_name": names.get(region, ""),
            "detail_kelurahan": detail_kelurahan,
            "target_max": target_max,
            "lists": lists,
            "totals": totals[0] if totals else None,
            "programme_rows": _rows(coverage_summary(cube=cube, by="programme")),
            "rows": rows,
            "charts": charts,
            "map_data": map_data,
            "boundaries_url": reverse("targeting:coverage_boundaries") if _boundary_path() else "",
        }
    )
    return render(request, "targeting/coverage/page.html", context)


@login_required
@require_GET
def coverage_households(request: HttpRequest) -> HttpResponse:
    sel.coverage_access(user=request.user)
    release = sel.coverage_release_get(user=request.user, pk=_int(request.GET.get("release")))
    programme = request.GET.get("programme", "")
    kelurahan = request.GET.get("kelurahan", "").strip()
    category = request.GET.get("category", "")
    if release is None or not programme or not kelurahan or category not in CATEGORIES:
        raise Http404
    desil = _int(request.GET.get("desil"))
    year = _int(request.GET.get("year"))
    quarter = _int(request.GET.get("quarter"))
    lists = sel.coverage_lists_for_user(
        user=request.user, release=release, year=year, quarter=quarter, programme=programme
    )
    if not lists:
        raise Http404
    page = max(_int(request.GET.get("page")) or 1, 1)
    reveal = REVEALED if request.GET.get("reveal") == "1" else ()
    result = households_read(
        user=request.user,
        release=release,
        lists=lists,
        kelurahan_code=kelurahan,
        desil=desil,
        category=category,
        request=request,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        reveal=reveal,
    )
    households: list[dict[str, Any]] = []
    for person in result.persons.to_dicts():
        # Grouped by household number: masked KKs of different households can look alike.
        if not households or households[-1]["no"] != person["household_no"]:
            households.append({"no": person["household_no"], "kk": person["kk"], "members": []})
        households[-1]["members"].append(person)
    pages = max((result.households + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    params = {
        "release": release.pk,
        "year": year,
        "quarter": quarter,
        "programme": programme,
        "kelurahan": kelurahan,
        "desil": desil,
        "category": category,
    }
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    names = sel.coverage_region_names(codes=[kelurahan])
    return render(
        request,
        "targeting/coverage/households.html",
        {
            "release": release,
            "programme": programme,
            "kelurahan": kelurahan,
            "kelurahan_name": names.get(kelurahan, ""),
            "desil": desil,
            "category": category,
            "households": households,
            "total": result.households,
            "page": page,
            "pages": pages,
            "query": query,
            "revealed": bool(reveal),
            "may_reveal": may_reveal(request.user),
            "back_url": reverse("targeting:coverage")
            + "?"
            + urlencode(
                {
                    k: v
                    for k, v in {
                        "release": release.pk,
                        "year": year,
                        "quarter": quarter,
                        "programme": programme,
                        "region": kelurahan,
                    }.items()
                    if v not in (None, "")
                }
            ),
        },
    )


@login_required
@require_GET
def coverage_boundaries(request: HttpRequest) -> JsonResponse:
    """The configured kelurahan boundaries as GeoJSON ({code, name} per feature); 404 if none."""
    sel.coverage_access(user=request.user)
    path = _boundary_path()
    if not path:
        raise Http404
    data = boundaries_load(
        path=path, code_property=str(getattr(settings, "TKPK_BOUNDARY_CODE_PROPERTY", "") or "")
    )
    response = JsonResponse(data)
    response["Cache-Control"] = "private, max-age=3600"
    return response
