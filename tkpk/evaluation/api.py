# No "from __future__ import annotations": django-ninja reads these annotations at run time.
"""The evaluation dashboard's tables over the API: the same precomputed figures and the same
scoping as the page (an OPD its own programmes, a Wilayah user its region), aggregates only."""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from tkpk.api.schemas import ErrorOut
from tkpk.evaluation import selectors as sel
from tkpk.evaluation import selectors_dashboard as dash

router = Router(tags=["evaluation"])


class TablesQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Default: this year.")
    region: str = Field(
        "", max_length=13, description="Kemendagri code to drill down to (default: the user's)."
    )
    quarter: int | None = Field(
        None, ge=1, le=4, description="Programme achievement of this quarter (default: the year)."
    )


class TableOut(Schema):
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    drill: list[str] = Field(..., description="Per row: the region code to drill down to, or ''.")


class DashboardOut(Schema):
    year: int
    region: str
    quarter: int | None
    computed_at: str | None
    tables: list[TableOut]


def _board(request: HttpRequest, filters: TablesQuery) -> dash.Dashboard:
    access = sel.dashboard_access(user=request.user)
    year = filters.year or timezone.localdate().year
    region = dash.region_clean(access, filters.region)
    return dash.dashboard_for_user(access=access, year=year, region=region, quarter=filters.quarter)


def _table_out(table: dash.Table) -> dict[str, Any]:
    drill = table.drill + [""] * (len(table.rows) - len(table.drill))
    return {
        "key": table.key,
        "title": table.title,
        "headers": table.headers,
        "rows": table.rows,
        "drill": drill,
    }


@router.get("/dashboard", response={200: DashboardOut, 403: ErrorOut})
def dashboard(request: HttpRequest, filters: Query[TablesQuery]) -> Any:
    """Every table of the dashboard (each chart is drawn from one of them)."""
    board = _board(request, filters)
    return {
        "year": board.year,
        "region": board.region,
        "quarter": board.quarter,
        "computed_at": board.computed_at.isoformat() if board.computed_at else None,
        "tables": [_table_out(t) for t in board.tables.values()],
    }


@router.get("/dashboard/{key}", response={200: TableOut, 403: ErrorOut, 404: ErrorOut})
def dashboard_table(request: HttpRequest, key: str, filters: Query[TablesQuery]) -> Any:
    """One table, as its CSV download on the page holds it."""
    table = _board(request, filters).tables.get(key)
    if table is None:
        raise Http404
    return _table_out(table)
