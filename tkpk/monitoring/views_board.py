"""The completeness board (OPD × quarter), the chair's summary, the period lock and reopening,
the follow-ups page and the Matriks 2 download. Thin: forms parse, services act, selectors
check (an OPD sees only its own line and items; outsiders get a 404)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tkpk.accounts.models import User
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.monitoring import exports
from tkpk.monitoring import selectors_board as sel
from tkpk.monitoring.forms_board import (
    BoardFilterForm,
    FollowUpCloseForm,
    FollowUpCreateForm,
    FollowUpFilterForm,
    ReopenForm,
)
from tkpk.monitoring.models import FollowUp, PeriodState, ReportingPeriod, ReportState
from tkpk.monitoring.selectors import monitoring_scope, period_get_for_user
from tkpk.monitoring.services_reports import (
    follow_up_close as follow_up_close_service,
)
from tkpk.monitoring.services_reports import (
    follow_up_create,
    period_lock,
    period_reopen,
)

STATE_CSS = {
    "scheduled": "text-bg-light border",
    "not_started": "text-bg-secondary",
    "draft": "text-bg-warning",
    "submitted": "text-bg-info",
    "returned": "text-bg-danger",
    "accepted": "text-bg-success",
    sel.LATE: "text-bg-dark",
}


def state_legend() -> list[tuple[str, str, str]]:
    """(state, label, css class) of every board state, in display order, plus "late"."""
    labels = {"scheduled": _("Scheduled"), sel.LATE: _("Late")}
    labels |= {k: str(v) for k, v in ReportState.choices}
    return [(s, labels[s], STATE_CSS[s]) for s in (*sel.BOARD_STATES, sel.LATE)]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_secretariat(user: Any) -> bool:
    return not scope_for(user, [Role.SEKRETARIAT]).is_empty


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def report_url(pk: int | None) -> str | None:
    """The report page of a board cell (None while that page does not exist)."""
    if pk is None:
        return None
    try:
        return reverse("monitoring:report", args=[pk])
    except NoReverseMatch:
        return None


def _year(value: Any, years: list[int]) -> int:
    """The asked year when it has a published instrument; else this year or the newest."""
    try:
        asked = int(value)
    except (TypeError, ValueError):
        asked = None
    if asked is not None and asked in years:
        return asked
    today = timezone.localdate().year
    return today if today in years or not years else years[0]


def _board_url(year: int) -> str:
    return f"{reverse('monitoring:board')}?year={year}"


# --- the board ---------------------------------------------------------------------------------


def _board_context(
    request: HttpRequest,
    *,
    year: int | None = None,
    reopen_form: tuple[int, ReopenForm] | None = None,
) -> dict[str, Any]:
    monitoring_scope(request.user)
    years = sel.board_years()
    year = _year(request.GET.get("year") if year is None else year, years)
    form = BoardFilterForm({**request.GET.dict(), "year": year}, years=years)
    filters = sel.BoardFilter()
    if form.is_valid():
        filters = sel.BoardFilter(
            quarter=form.cleaned_data["quarter"],
            state=form.cleaned_data["state"],
            opd=form.cleaned_data["opd"],
        )
    board = sel.board_grid_for_user(user=request.user, year=year, filters=filters)
    legend = state_legend()
    labels = {state: label for state, label, _css in legend}
    for line in board.rows:
        for cell in line.cells.values():
            cell["url"] = report_url(cell["report_id"])
            cell["label"] = labels[cell["state"]]
            cell["css"] = STATE_CSS[cell["state"]]
    secretariat = _is_secretariat(request.user)
    periods = []
    for quarter in board.quarters:
        period = board.periods.get(quarter)
        if period is None:
            continue
        form_for_period = (
            reopen_form[1]
            if reopen_form is not None and reopen_form[0] == period.pk
            else ReopenForm(period=period, prefix=f"reopen{period.pk}")
        )
        periods.append(
            {
                "period": period,
                "counts": [(s, label, css, board.counts[quarter][s]) for s, label, css in legend],
                "reopen_form": form_for_period if secretariat else None,
                "log": list(reversed(period.reopen_log)),
            }
        )
    query = request.GET.copy()
    query["year"] = str(year)
    query.pop("format", None)
    return {
        "board": board,
        "form": form,
        "years": years,
        "year": year,
        "periods": periods,
        "is_secretariat": secretariat,
        "province_wide": monitoring_scope(request.user).province_wide,
        "query": query.urlencode(),
        "legend": legend,
        "count_rows": [
            (state, label, css, [board.counts[q][state] for q in board.quarters])
            for state, label, css in legend
        ],
    }


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    context = _board_context(request)
    fmt = request.GET.get("format")
    year = context["year"]
    if fmt == "csv":
        response = HttpResponse(
            exports.board_csv(context["board"]), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="papan-monev-{year}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            exports.board_xlsx(context["board"]),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="papan-monev-{year}.xlsx"'
        return response
    template = "monitoring/board/board.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "board-grid":
        template += "#grid"
    return render(request, template, context)


@login_required
@require_GET
def board_chair(request: HttpRequest) -> HttpResponse:
    """The Ketua's summary: completeness per quarter, late OPDs, achievement from accepted data."""
    monitoring_scope(request.user)
    years = sel.board_years()
    year = _year(request.GET.get("year"), years)
    quarters, opds = sel.chair_summary_for_user(user=request.user, year=year)
    return render(
        request,
        "monitoring/board/chair.html",
        {"year": year, "years": years, "quarters": quarters, "opds": opds},
    )


# --- period lock and reopening -----------------------------------------------------------------


@login_required
@require_POST
def period_lock_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = period_get_for_user(user=request.user, pk=pk)
    if not _is_secretariat(request.user):
        raise PermissionDenied
    try:
        period_lock(period=period, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(period)s is locked.") % {"period": period})
    return redirect(_board_url(period.year))


@login_required
@require_POST
def period_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    period = period_get_for_user(user=request.user, pk=pk)
    if not _is_secretariat(request.user):
        raise PermissionDenied
    form = ReopenForm(request.POST, period=period, prefix=f"reopen{period.pk}")
    if form.is_valid():
        try:
            period_reopen(
                period=period,
                by=_user(request),
                reason=form.cleaned_data["reason"],
                opd=form.cleaned_data["opd"],
                until=form.cleaned_data["until"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(period)s is open again.") % {"period": period})
            return redirect(_board_url(period.year))
    context = _board_context(request, year=period.year, reopen_form=(period.pk, form))
    context["failed_period"] = period.pk
    return render(request, "monitoring/board/board.html", context, status=400)


# --- Matriks 2 ---------------------------------------------------------------------------------


@login_required
@require_GET
def matriks2(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    """The Ministry's Matriks 2 of a quarter from the accepted reports (province-wide readers)."""
    sel.require_province_wide(request.user)
    period = sel.period_for_year(year=year, quarter=quarter)
    if period is None or period.state == PeriodState.SCHEDULED:
        raise Http404
    content = exports.matriks2_xlsx(exports.matriks2_build(period=period))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="matriks-2-{year}-tw{quarter}.xlsx"'
    return response


# --- follow-ups --------------------------------------------------------------------------------


def _default_quarter(year: int) -> int:
    instrument = sel.instrument_published(year=year)
    if instrument is None:
        return 1
    started = instrument.periods.exclude(state=PeriodState.SCHEDULED).order_by("-quarter").first()
    return started.quarter if started else 1


def _follow_ups_render(
    request: HttpRequest,
    *,
    period: ReportingPeriod | None = None,
    create_form: FollowUpCreateForm | None = None,
    close_form: tuple[int, FollowUpCloseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    monitoring_scope(request.user)
    years = sel.board_years()
    if period is not None:
        year, quarter = period.year, period.quarter
    else:
        year = _year(request.GET.get("year"), years)
        try:
            quarter = int(request.GET.get("quarter", ""))
        except ValueError:
            quarter = _default_quarter(year)
        quarter = quarter if quarter in (1, 2, 3, 4) else _default_quarter(year)
        period = sel.period_for_year(year=year, quarter=quarter)
    form = FollowUpFilterForm(
        {"year": year, "quarter": quarter, "status": request.GET.get("status", "")}, years=years
    )
    status_filter = form.cleaned_data["status"] if form.is_valid() else ""
    items: list[FollowUp] = []
    if period is not None:
        items = list(
            sel.follow_up_list_for_user(user=request.user, period=period, status=status_filter)
        )
    today = timezone.localdate()
    secretariat = _is_secretariat(request.user)
    rows = []
    for item in items:
        bound = close_form[1] if close_form is not None and close_form[0] == item.pk else None
        rows.append(
            {
                "item": item,
                "overdue": item.status == "open" and item.due_on < today,
                "close_form": bound
                or FollowUpCloseForm(
                    initial={"lock_version": item.lock_version}, prefix=f"close{item.pk}"
                ),
            }
        )
    return render(
        request,
        "monitoring/board/follow_ups.html",
        {
            "period": period,
            "year": year,
            "quarter": quarter,
            "form": form,
            "rows": rows,
            "is_secretariat": secretariat,
            "create_form": (create_form or FollowUpCreateForm()) if secretariat else None,
        },
        status=status,
    )


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    """The follow-ups of a quarter (incl. those carried in); the secretariat records new ones."""
    if request.method != "POST":
        return _follow_ups_render(request)
    monitoring_scope(request.user)
    if not _is_secretariat(request.user):
        raise PermissionDenied
    try:
        period = period_get_for_user(user=request.user, pk=int(request.POST.get("period", "")))
    except ValueError:
        raise Http404 from None
    form = FollowUpCreateForm(request.POST)
    if form.is_valid():
        try:
            follow_up_create(period=period, by=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The follow-up is recorded."))
            return redirect(_follow_ups_url(period))
    return _follow_ups_render(request, period=period, create_form=form, status=400)


def _follow_ups_url(period: ReportingPeriod) -> str:
    return f"{reverse('monitoring:follow_ups')}?year={period.year}&quarter={period.quarter}"


@login_required
@require_POST
def follow_up_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.follow_up_get_for_user(user=request.user, pk=pk)
    form = FollowUpCloseForm(request.POST, prefix=f"close{item.pk}")
    if form.is_valid():
        try:
            follow_up_close_service(
                follow_up=item,
                by=_user(request),
                note=form.cleaned_data["note"],
                lock_version=form.cleaned_data["lock_version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The follow-up is closed."))
            return redirect(_follow_ups_url(item.period))
    return _follow_ups_render(request, period=item.period, close_form=(item.pk, form), status=400)
