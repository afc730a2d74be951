"""The province dashboard (reads stored snapshots only), its CSV downloads, the secretariat's
refresh button and the macro-data upload page."""

from __future__ import annotations

import csv
import hashlib
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tkpk.core.exports import csv_safe_row
from tkpk.evaluation import selectors as sel
from tkpk.evaluation import selectors_dashboard as dash
from tkpk.evaluation.services import (
    dashboard_stale_years,
    macro_import_csv,
    macro_microdata_import,
    rpkd_in_force,
    rpkd_indicator_links_save,
    rpkd_target_indicators,
)
from tkpk.evaluation.tasks import dashboard_refresh_task

# A rendered dashboard is keyed on its snapshots' versions, so it is never stale; the timeout
# only bounds memory held for filters nobody asks for any more.
DASHBOARD_CACHE_SECONDS = 3600


QUARTERS = [(1, "I"), (2, "II"), (3, "III"), (4, "IV")]


class DashboardFilter(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2000)
    region = forms.CharField(label=gettext_lazy("Region"), required=False, max_length=13)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        choices=[("", gettext_lazy("Whole year")), *((q, f"TW {r}") for q, r in QUARTERS)],
        coerce=int,
        empty_value=None,
        required=False,
    )


def _quarter(form: DashboardFilter) -> int | None:
    return form.cleaned_data.get("quarter") if form.is_valid() else None


def _year(form: DashboardFilter, years: list[int] | None = None) -> int:
    years = dash.snapshot_years() if years is None else years
    year = form.cleaned_data.get("year") if form.is_valid() else None
    if year:
        return int(year)
    this_year = timezone.localdate().year
    return this_year if this_year in years or not years else years[0]


def _boundaries_url(user: Any) -> str:
    from tkpk.targeting.selectors_coverage import coverage_access  # noqa: PLC0415

    path = str(getattr(settings, "TKPK_BOUNDARY_GEOJSON", "") or "")
    if not path or not Path(path).is_file():
        return ""
    try:
        coverage_access(user=user)
    except PermissionDenied:
        return ""
    return reverse("targeting:coverage_boundaries")


SECTIONS = [
    ("macro", gettext_lazy("Macro poverty indicators")),
    ("achievement", gettext_lazy("Programme achievement")),
    ("completeness", gettext_lazy("Reporting completeness")),
    ("coverage", gettext_lazy("Coverage of the priority target data")),
    ("tasks", gettext_lazy("Overdue process tasks")),
]


def _sections(board: dash.Dashboard) -> list[dict[str, Any]]:
    """Tables grouped by section, each with the chart drawn from it (if any)."""
    charts = {c["table"]: c for c in board.charts}
    sections = []
    for key, title in SECTIONS:
        items = [
            {"table": t, "chart": charts.get(t.key) if t.rows else None}
            for k, t in board.tables.items()
            if k == key or k.startswith(key + "-")
        ]
        # Programme achievement, completeness and tasks are not broken down by region.
        regional = key in ("macro", "coverage")
        label = str(title)
        if key == "achievement" and board.quarter:
            label += f" · TW {dict(QUARTERS)[board.quarter]}"
        sections.append({"key": key, "title": label, "items": items, "regional": regional})
    return [s for s in sections if s["items"]]


def _page_key(
    *,
    access: sel.DashboardAccess,
    year: int,
    region: str,
    boundaries_url: str,
    versions: dash.SnapshotVersions,
    quarter: int | None = None,
) -> str:
    """Everything the rendered figures depend on: who may see what, the filter, the language
    and the version of every stored snapshot of the year (a refresh changes the key)."""
    parts = (
        access.province_wide,
        sorted(access.organisation_ids),
        sorted(access.region_codes),
        year,
        region,
        quarter,
        get_language(),
        versions.get(year, ()),
        boundaries_url,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"evaluation:dashboard:{digest}"


def _dashboard_page(
    request: HttpRequest,
    *,
    access: sel.DashboardAccess,
    year: int,
    region: str,
    versions: dash.SnapshotVersions,
    quarter: int | None,
) -> dict[str, Any]:
    """The rendered figures (aggregates only, no personal data) and what the page around them
    needs, cached until a snapshot of the year is recomputed."""
    boundaries_url = _boundaries_url(request.user)
    key = _page_key(
        access=access,
        year=year,
        region=region,
        boundaries_url=boundaries_url,
        versions=versions,
        quarter=quarter,
    )
    page = cache.get(key)
    if page is not None:
        return dict(page)
    board = dash.dashboard_for_user(access=access, year=year, region=region, quarter=quarter)
    boundaries_url = boundaries_url if board.map_data else ""
    body = render_to_string(
        "evaluation/_dashboard_body.html",
        {
            "board": board,
            "charts": board.charts,
            "sections": _sections(board),
            "chart_text": {"no_data": _("No data"), "rate": _("Exclusion rate (%)")},
            "boundaries_url": boundaries_url,
            "province": dash.province_code(),
        },
    )
    page = {
        "year": board.year,
        "region": board.region,
        "quarter": board.quarter,
        "breadcrumbs": board.breadcrumbs,
        "has_charts": bool(board.charts),
        "has_map": bool(boundaries_url),
        "body": body,
    }
    cache.set(key, page, timeout=DASHBOARD_CACHE_SECONDS)
    return page


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    access = sel.dashboard_access(user=request.user)
    form = DashboardFilter(request.GET)
    versions = dash.snapshot_versions()
    years = sorted(versions, reverse=True)
    year = _year(form, years)
    region = dash.region_clean(
        access, form.cleaned_data.get("region", "") if form.is_valid() else ""
    )
    page = _dashboard_page(
        request,
        access=access,
        year=year,
        region=region,
        versions=versions,
        quarter=_quarter(form),
    )
    return render(
        request,
        "evaluation/dashboard.html",
        {
            "head": page,
            "body": mark_safe(page["body"]),  # noqa: S308 — rendered by our own template above
            "access": access,
            "years": sorted({*years, year}, reverse=True),
            "quarters": QUARTERS,
        },
    )


@login_required
@require_GET
def dashboard_csv(request: HttpRequest, section: str) -> HttpResponse:
    access = sel.dashboard_access(user=request.user)
    form = DashboardFilter(request.GET)
    year = _year(form)
    region = dash.region_clean(
        access, form.cleaned_data.get("region", "") if form.is_valid() else ""
    )
    board = dash.dashboard_for_user(access=access, year=year, region=region, quarter=_quarter(form))
    table = board.tables.get(section)
    if table is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dasbor-{section}-{year}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(csv_safe_row(table.headers))
    for row in table.rows:
        writer.writerow(csv_safe_row("" if v is None else v for v in row))
    return response


@login_required
@require_POST
def dashboard_refresh_request(request: HttpRequest) -> HttpResponse:
    access = sel.dashboard_access(user=request.user)
    if not access.can_refresh:
        raise PermissionDenied
    form = DashboardFilter(request.POST)
    year = _year(form)
    transaction.on_commit(lambda: dashboard_refresh_task.enqueue(year=year))
    messages.success(request, _("The dashboard is being recomputed; reload the page in a minute."))
    return redirect(reverse("evaluation:dashboard") + f"?year={year}")


# --- macro data -------------------------------------------------------------------------------


def _refresh_stale_years() -> None:
    for year in dashboard_stale_years():
        dashboard_refresh_task.enqueue(year=year)


class MacroCsvForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file of macro values"))


class MicrodataForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file of person-level expenditure"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=gettext_lazy("Survey round"),
        choices=[(3, "Maret"), (9, "September"), ("", "–")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    poverty_line = forms.DecimalField(
        label=gettext_lazy("Poverty line (Rp/capita/month)"), min_value=1, decimal_places=2
    )
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=13, initial="31")


class RpkdLinksForm(forms.Form):
    """For each target of an RPKD in force: the macro indicator it measures, or none."""

    def __init__(self, *args: Any, plan: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        indicators = list(sel.macro_indicators())
        self.indicators = {i.code: i for i in indicators}
        choices = [("", _("– not a macro indicator –")), *((i.code, i.name) for i in indicators)]
        self.rows = []
        for target, indicator, explicit in rpkd_target_indicators(plan=plan):
            name = f"target_{target.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{target.code} {target.indicator}",
                choices=choices,
                required=False,
                initial=indicator.code if indicator else "",
            )
            self.rows.append((target, name, explicit))

    def chosen(self) -> dict[int, Any]:
        return {
            target.pk: self.indicators.get(self.cleaned_data.get(name) or "")
            for target, name, _explicit in self.rows
        }

    def lines(self) -> list[tuple[Any, Any, bool]]:
        return [(target, self[name], explicit) for target, name, explicit in self.rows]


def _saved(upload: Any) -> Path:
    with tempfile.NamedTemporaryFile(delete=False, suffix=".csv") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return Path(handle.name)


@login_required
@require_http_methods(["GET", "POST"])
def macro_data(request: HttpRequest) -> HttpResponse:
    access = sel.dashboard_access(user=request.user)
    if not access.can_refresh:
        raise PermissionDenied
    csv_form = MacroCsvForm(prefix="csv")
    micro_form = MicrodataForm(prefix="micro")
    result = None
    if request.method == "POST":
        if "csv-file" in request.FILES:
            csv_form = MacroCsvForm(request.POST, request.FILES, prefix="csv")
            if csv_form.is_valid():
                path = _saved(csv_form.cleaned_data["file"])
                try:
                    result = macro_import_csv(path=path, by=request.user)  # type: ignore[arg-type]
                finally:
                    path.unlink(missing_ok=True)
        else:
            micro_form = MicrodataForm(request.POST, request.FILES, prefix="micro")
            if micro_form.is_valid():
                data = micro_form.cleaned_data
                path = _saved(data["file"])
                try:
                    result = macro_microdata_import(
                        path=path,
                        year=data["year"],
                        month=data["month"],
                        poverty_line=data["poverty_line"],
                        region_code=data["region"].strip(),
                        by=request.user,  # type: ignore[arg-type]
                    )
                finally:
                    path.unlink(missing_ok=True)
        if result is not None and result.ok:
            messages.success(
                request,
                _("Saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
                + " "
                + _("The dashboard is being recomputed with them; reload it in a minute."),
            )
            # New values reach the dashboard without waiting for the periodic check.
            transaction.on_commit(_refresh_stale_years)
            return redirect("evaluation:macro_data")
    return render(
        request,
        "evaluation/macro_data.html",
        {
            "csv_form": csv_form,
            "micro_form": micro_form,
            "result": result,
            "indicators": sel.macro_indicators(),
            "targets": sel.macro_targets(),
            "link_forms": [RpkdLinksForm(plan=p, prefix="rpkd") for p in rpkd_in_force()],
        },
    )


@login_required
@require_POST
def rpkd_links(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The secretariat's choice of the macro indicator each RPKD target measures."""
    access = sel.dashboard_access(user=request.user)
    if not access.can_refresh:
        raise PermissionDenied
    plan = next((p for p in rpkd_in_force() if p.pk == plan_id), None)
    if plan is None:
        raise Http404
    form = RpkdLinksForm(request.POST, plan=plan, prefix="rpkd")
    if not form.is_valid():
        messages.error(request, _("Choose a macro indicator from the list."))
        return redirect("evaluation:macro_data")
    rpkd_indicator_links_save(plan=plan, chosen=form.chosen(), by=request.user)  # type: ignore[arg-type]
    transaction.on_commit(_refresh_stale_years)
    messages.success(
        request, _("Saved. The dashboard is being recomputed with them; reload it in a minute.")
    )
    return redirect("evaluation:macro_data")
