"""Pages of data requests: list, file/edit, the request page with its review, extract, downloads
and data balikan. Thin: forms parse, services act, selectors check."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tkpk.accounts.models import User
from tkpk.targeting import extracts
from tkpk.targeting import selectors_requests as sel
from tkpk.targeting import services_requests as svc
from tkpk.targeting.forms_requests import FIELD_CHOICES, DataRequestForm, ReturnForm, ReviewForm
from tkpk.targeting.models import DataRequest
from tkpk.targeting.services import storage_dir

FORMATS = ("csv", "xlsx")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _add_errors(form: Any, exc: ValidationError) -> None:
    """Service errors onto the form (keyed ones onto their field when the form has it)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def criteria_display(criteria: dict[str, Any]) -> list[tuple[str, str]]:
    """The criteria as (label, value) lines for the request page."""
    rows: list[tuple[str, str]] = []
    yes = _("yes")
    if criteria.get("desil"):
        rows.append((_("Deciles"), ", ".join(str(d) for d in criteria["desil"])))
    if criteria.get("regions"):
        rows.append((_("Regions"), ", ".join(criteria["regions"])))
    if "age_min" in criteria or "age_max" in criteria:
        low, high = criteria.get("age_min", ""), criteria.get("age_max", "")
        rows.append((_("Age"), f"{low}–{high}"))
    if criteria.get("sex"):
        rows.append((_("Sex"), criteria["sex"]))
    if "household_size_min" in criteria or "household_size_max" in criteria:
        low, high = criteria.get("household_size_min", ""), criteria.get("household_size_max", "")
        rows.append((_("Household members"), f"{low}–{high}"))
    if criteria.get("head_only"):
        rows.append((_("Heads of household only"), yes))
    if criteria.get("with_children_under_6"):
        rows.append((_("Households with a child under 6"), yes))
    if criteria.get("with_elderly"):
        rows.append((_("Households with a member aged 60 or more"), yes))
    return rows


@login_required
def requests(request: HttpRequest) -> HttpResponse:
    items = sel.data_request_list_for_user(user=request.user)
    return render(
        request,
        "targeting/requests/list.html",
        {"items": items, "can_file": bool(sel.user_opd_organisations(request.user))},
    )


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    sel.data_request_list_for_user(user=request.user)  # 403 for outsiders
    organisation = sel.own_organisation(request.user)
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = svc.data_request_create(
                organisation=organisation,
                by=_user(request),
                submit="submit" in request.POST,
                **form.service_data(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Data request %(number)s saved.") % {"number": item.number})
            return redirect("targeting:request", pk=item.pk)
    return render(
        request,
        "targeting/requests/form.html",
        {"form": form, "organisation": organisation, "item": None},
    )


@login_required
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.data_request_get_for_user(user=request.user, pk=pk)
    if not sel.permissions_for(user=request.user, request=item)["edit"]:
        raise PermissionDenied
    form = DataRequestForm(request.POST or None, initial=DataRequestForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                item = svc.data_request_update(
                    request=item,
                    by=_user(request),
                    version=form.cleaned_data["version"] or 0,
                    **form.service_data(),
                )
                if "submit" in request.POST:
                    item = svc.data_request_submit(
                        request=item, by=_user(request), version=item.version
                    )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The request was saved."))
            return redirect("targeting:request", pk=item.pk)
    return render(
        request,
        "targeting/requests/form.html",
        {"form": form, "organisation": item.organisation, "item": item},
    )


def _detail(
    request: HttpRequest,
    item: DataRequest,
    *,
    review_form: ReviewForm | None = None,
    return_form: ReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can = sel.permissions_for(user=request.user, request=item)
    if can["review"] and review_form is None:
        review_form = ReviewForm(
            request=item,
            initial={"approved_fields": list(item.fields), "version": item.version},
        )
    if can["return"] and return_form is None:
        return_form = ReturnForm(initial={"year": timezone.localdate().year})
    labels = dict(FIELD_CHOICES)
    return render(
        request,
        "targeting/requests/detail.html",
        {
            "item": item,
            "can": can,
            "fields": [labels.get(f, f) for f in item.fields],
            "approved": [labels.get(f, f) for f in item.approved_fields],
            "criteria": criteria_display(item.criteria),
            "timeline": sel.request_timeline(request=item),
            "lists": sel.returned_lists(request=item),
            "review_form": review_form if can["review"] else None,
            "return_form": return_form if can["return"] else None,
        },
        status=status,
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.data_request_get_for_user(user=request.user, pk=pk)
    return _detail(request, item)


@login_required
@require_POST
def request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.data_request_get_for_user(user=request.user, pk=pk)
    try:
        svc.data_request_submit(
            request=item, by=_user(request), version=int(request.POST.get("version") or 0)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The request was sent to the TKPK secretariat."))
    return redirect("targeting:request", pk=pk)


@login_required
@require_POST
def request_review(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.data_request_get_for_user(user=request.user, pk=pk)
    form = ReviewForm(request.POST, request=item)
    if form.is_valid():
        data = form.cleaned_data
        try:
            svc.data_request_review(
                request=item,
                by=_user(request),
                decision=data["decision"],
                note=data["note"],
                approved_fields=list(data["approved_fields"]),
                identifiers_approved=bool(data.get("identifiers_approved")),
                valid_days=data["valid_days"],
                version=data["version"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("targeting:request", pk=pk)
    return _detail(request, item, review_form=form, status=422)


@login_required
@require_POST
def request_produce(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.data_request_get_for_user(user=request.user, pk=pk)
    try:
        item = svc.data_request_extract(request=item, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The extract is ready: %(rows)s rows.") % {"rows": item.extract_rows},
        )
    return redirect("targeting:request", pk=pk)


def _refused(request: HttpRequest, item: DataRequest | None, reason: str) -> HttpResponse:
    return render(
        request,
        "targeting/requests/extract_refused.html",
        {"item": item, "reason": reason},
        status=403,
    )


def _title(item: DataRequest) -> str:
    expires = timezone.localtime(item.expires_at) if item.expires_at else None
    return _("Extract %(number)s for %(opd)s — valid until %(date)s — do not pass on") % {
        "number": item.number,
        "opd": item.organisation,
        "date": formats.date_format(expires, "d-m-Y H:i") if expires else "",
    }


@login_required
def request_extract(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """Download the extract as CSV (streamed) or XLSX; one audit row per download."""
    if fmt not in FORMATS:
        raise Http404
    try:
        item = sel.extract_for_download(user=request.user, pk=pk, http=request)
    except sel.ExtractUnavailable as exc:
        return _refused(request, None, str(exc))
    filename = f"ekstrak-{item.number}"
    path = item.extract_path
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            extracts.csv_stream(Path(path), title=_title(item)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    else:
        handle, name = tempfile.mkstemp(suffix=".xlsx", dir=storage_dir())
        os.close(handle)
        try:
            extracts.xlsx_write(Path(path), name, title=_title(item), sheet_name=item.number)
            stream = open(name, "rb")  # noqa: SIM115 (FileResponse closes it)
        finally:
            os.unlink(name)  # the open handle keeps the data until the response is sent
        response = FileResponse(stream, as_attachment=True, filename=f"{filename}.xlsx")
    response["Cache-Control"] = "no-store"
    svc.extract_download_record(request=item, by=request.user, fmt=fmt, http=request)
    return response


@login_required
def request_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The first rows of the extract, masked: a person-level view, audited."""
    try:
        frame = sel.extract_preview(user=request.user, pk=pk, http=request)
    except sel.ExtractUnavailable as exc:
        return _refused(request, None, str(exc))
    item = sel.data_request_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "targeting/requests/preview.html",
        {"item": item, "columns": frame.columns, "rows": frame.rows()},
    )


@login_required
@require_POST
def request_return(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.data_request_get_for_user(user=request.user, pk=pk)
    form = ReturnForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower()
        path = storage_dir() / f"balikan-{uuid.uuid4().hex}{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            svc.data_request_return(
                request=item,
                by=_user(request),
                path=path,
                file_name=upload.name,
                mapping=form.cleaned_data["mapping"],
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
            )
        except ValidationError as exc:
            path.unlink(missing_ok=True)
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The beneficiary list was received; linking runs in the background.")
            )
            return redirect("targeting:request", pk=pk)
    return _detail(request, item, return_form=form, status=422)


@login_required
@require_POST
def request_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = sel.data_request_get_for_user(user=request.user, pk=pk)
    try:
        svc.data_request_close(request=item, by=_user(request), note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The coverage result was sent to the OPD."))
    return redirect("targeting:request", pk=pk)
