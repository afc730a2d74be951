"""Pages of the M&E instrument (TKPK-03.01) and of the reporting calendar.

Step → page: Task_INS_01 (send the draft to the OPDs), Task_INS_03 (finalise) and Task_INS_05
(publish) are the secretariat's buttons on ``monitoring:instrument``; Task_INS_02 is each OPD's
confirmation form in its part of that page; Task_INS_04 is the Ketua's decision form there.
The services complete the steps; the views only parse, call and render.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tkpk.accounts.models import User
from tkpk.core.permissions import has_role
from tkpk.core.roles import Role
from tkpk.monitoring import services
from tkpk.monitoring import services_instrument_pages as pages
from tkpk.monitoring.forms_instrument import (
    CalendarForm,
    ConfirmForm,
    DecisionForm,
    InstrumentBuildForm,
    InstrumentRowForm,
)
from tkpk.monitoring.models import Instrument, InstrumentRow, PeriodState
from tkpk.monitoring.selectors import instrument_get_for_user, monitoring_scope

DETAIL = "monitoring/instrument/instrument_detail.html"


def _user(request: HttpRequest) -> User:
    """The logged-in user (every view here is behind login_required)."""
    return cast(User, request.user)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def instrument_list(request: HttpRequest) -> HttpResponse:
    """Every instrument by year; the secretariat builds the year's one from an enacted RAT."""
    instruments = pages.instrument_list_for_user(user=request.user)
    can_build = has_role(request.user, Role.SEKRETARIAT)
    form = InstrumentBuildForm(request.POST or None) if can_build else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                instrument = services.instrument_build_from_rat(
                    plan=form.cleaned_data["plan"], by=_user(request)
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The draft instrument is built from the RAT."))
                return redirect("monitoring:instrument", pk=instrument.pk)
    return render(
        request,
        "monitoring/instrument/instrument_list.html",
        {"instruments": instruments, "form": form},
    )


def _detail_context(
    request: HttpRequest,
    instrument: Instrument,
    *,
    decision_form: DecisionForm | None = None,
    confirm_forms: dict[int, ConfirmForm] | None = None,
) -> dict[str, Any]:
    groups = pages.instrument_groups(user=request.user, instrument=instrument)
    actions = pages.instrument_actions(user=request.user, instrument=instrument, groups=groups)
    confirm_forms = confirm_forms or {}
    for group in groups:
        group.confirm_form = (  # type: ignore[attr-defined]
            (confirm_forms.get(group.opd.pk) or ConfirmForm(prefix=f"opd{group.opd.pk}"))
            if group.opd.pk in actions.confirm_opds
            else None
        )
    tasks = pages.instrument_tasks(user=request.user, instrument=instrument)
    return {
        "instrument": instrument,
        "groups": groups,
        "row_count": sum(len(g.rows) for g in groups),
        "actions": actions,
        "decision_form": decision_form or DecisionForm(),
        "tasks": tasks,
        "open_tasks": pages.open_task_steps(tasks),
        "steps": pages.instrument_steps(instrument=instrument),
        "snapshot_rows": pages.instrument_snapshot_rows(user=request.user, instrument=instrument),
    }


@login_required
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = instrument_get_for_user(user=request.user, pk=pk)
    return render(request, DETAIL, _detail_context(request, instrument))


@login_required
def instrument_row_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat adjusts one row; a stale save is refused and the typed values are kept."""
    row = pages.instrument_row_get_for_user(user=request.user, pk=pk)
    instrument = row.instrument
    if not has_role(request.user, Role.SEKRETARIAT):
        raise PermissionDenied
    editable = instrument.status in services.ADJUSTABLE
    # The form works on its own copy, so the page header keeps showing the stored row.
    form = InstrumentRowForm(request.POST or None, instance=InstrumentRow.objects.get(pk=row.pk))
    if request.method == "POST":
        if not editable:
            form.add_error(None, _("The instrument can no longer be changed."))
        elif form.is_valid():
            try:
                pages.instrument_row_adjust_from_page(
                    row=row,
                    by=_user(request),
                    lock_version=form.cleaned_data["lock_version"],
                    data=form.service_data(),
                    locations=form.cleaned_data["location_codes"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The row is saved."))
                return redirect(f"{_instrument_url(instrument)}#row-{row.pk}")
    return render(
        request,
        "monitoring/instrument/row_edit.html",
        {"instrument": instrument, "row": row, "form": form, "editable": editable},
    )


def _instrument_url(instrument: Instrument) -> str:
    return reverse("monitoring:instrument", args=[instrument.pk])


def _act(request: HttpRequest, instrument: Instrument, action: Any, done: str) -> HttpResponse:
    """Run a state change; its refusal (a ValidationError) is shown on the instrument page."""
    try:
        action(instrument=instrument, by=_user(request))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, done)
    return redirect(f"{_instrument_url(instrument)}#instrument-actions")


@login_required
@require_POST
def instrument_send(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = instrument_get_for_user(user=request.user, pk=pk)
    return _act(
        request,
        instrument,
        services.instrument_send_for_confirmation,
        _("The draft instrument is sent to the OPDs for confirmation."),
    )


@login_required
@require_POST
def instrument_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = instrument_get_for_user(user=request.user, pk=pk)
    return _act(
        request,
        instrument,
        services.instrument_finalise,
        _("The final draft is sent to the Ketua for approval."),
    )


@login_required
@require_POST
def instrument_publish(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = instrument_get_for_user(user=request.user, pk=pk)
    return _act(
        request,
        instrument,
        services.instrument_publish,
        _("The instrument is published and frozen; the reporting calendar is set."),
    )


@login_required
@require_POST
def instrument_confirm(request: HttpRequest, pk: int, opd_pk: int) -> HttpResponse:
    """An OPD confirms its own rows (another OPD's rows are not found: 404)."""
    instrument = instrument_get_for_user(user=request.user, pk=pk)
    opd = pages.instrument_opd_get_for_user(user=request.user, instrument=instrument, opd_pk=opd_pk)
    form = ConfirmForm(request.POST, prefix=f"opd{opd.pk}")
    if form.is_valid():
        try:
            count = services.instrument_opd_confirm(
                instrument=instrument, opd=opd, by=_user(request), note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            # Not waiting for confirmation (any more): nothing to correct in the form.
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                ngettext("%(count)s row confirmed.", "%(count)s rows confirmed.", count)
                % {"count": count},
            )
        return redirect(f"{_instrument_url(instrument)}#opd-{opd.pk}")
    context = _detail_context(request, instrument, confirm_forms={opd.pk: form})
    return render(request, DETAIL, context)


@login_required
@require_POST
def instrument_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The Ketua approves, or returns with a note (a return without one is refused)."""
    instrument = instrument_get_for_user(user=request.user, pk=pk)
    if not has_role(request.user, Role.KETUA):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        note = form.cleaned_data["note"]
        try:
            if form.cleaned_data["decision"] == "approve":
                services.instrument_approve(instrument=instrument, by=_user(request), note=note)
                done = _("The instrument is approved.")
            else:
                services.instrument_return(instrument=instrument, by=_user(request), note=note)
                done = _("The instrument is returned to the secretariat.")
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Not awaiting approval (any more): the form is no longer on the page.
                messages.error(request, _error_text(exc))
                return redirect(_instrument_url(instrument))
            form.add_error(None, exc)  # the note a return needs
        else:
            messages.success(request, done)
            return redirect(_instrument_url(instrument))
    return render(request, DETAIL, _detail_context(request, instrument, decision_form=form))


# --- the reporting calendar --------------------------------------------------------------------


@login_required
def calendar_current(request: HttpRequest) -> HttpResponse:
    """The calendar of the latest published year (or of this year when none is published)."""
    years = pages.calendar_years(user=request.user)
    return redirect("monitoring:calendar", year=years[0] if years else timezone.localdate().year)


@login_required
def calendar(request: HttpRequest, year: int) -> HttpResponse:
    """Opening, due and lock dates of each quarter; the secretariat moves them."""
    monitoring_scope(request.user)
    instrument = pages.calendar_instrument(user=request.user, year=year)
    can_edit = has_role(request.user, Role.SEKRETARIAT)
    periods = pages.calendar_periods(instrument=instrument) if instrument else []
    posted: CalendarForm | None = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        quarter = request.POST.get("quarter", "")
        period = next((p for p in periods if str(p.quarter) == quarter), None)
        if period is None:
            raise Http404
        posted = CalendarForm(request.POST, period=period)
        if period.state == PeriodState.LOCKED:
            posted.add_error(None, _("The period is locked; reopen it first."))
        elif posted.is_valid():
            try:
                services.period_calendar_set(
                    period=period,
                    by=_user(request),
                    lock_version=posted.cleaned_data["lock_version"],
                    opens_on=posted.cleaned_data["opens_on"],
                    due_on=posted.cleaned_data["due_on"],
                    locks_on=posted.cleaned_data["locks_on"],
                )
            except ValidationError as exc:
                posted.add_error(None, exc)
            else:
                messages.success(
                    request, _("The calendar of %(period)s is saved.") % {"period": period}
                )
                return redirect("monitoring:calendar", year=year)
    entries = [
        {
            "period": p,
            "form": posted
            if posted is not None and posted.period.pk == p.pk
            else CalendarForm(period=p),
        }
        for p in periods
    ]
    return render(
        request,
        "monitoring/instrument/calendar.html",
        {
            "year": year,
            "instrument": instrument,
            "entries": entries,
            "can_edit": can_edit,
            "years": pages.calendar_years(user=request.user),
            "other": None
            if instrument
            else pages.instrument_list_for_user(user=request.user).filter(year=year).first(),
        },
    )
