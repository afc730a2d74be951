"""Quarterly report pages (TKPK-03.02): the list of reports, the OPD's report screen (autosaved
rows, submission through the rules, follow-ups, beneficiary lists), the secretariat's
verification on the same screen, and the Excel round trip."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tkpk.accounts.models import Organisation, OrganisationKind, User
from tkpk.core.services import audit_record
from tkpk.monitoring import excel
from tkpk.monitoring.forms_attachments import AttachmentForm
from tkpk.monitoring.forms_reports import (
    ExcelUploadForm,
    FollowUpCloseForm,
    FollowUpForm,
    ReportFilterForm,
    RowListForm,
    ValueForm,
    VerifyForm,
)
from tkpk.monitoring.models import (
    EDITABLE_STATES,
    FollowUp,
    FollowUpSource,
    FollowUpStatus,
    PeriodState,
    QuarterReport,
    ReportAttachment,
    ReportState,
    ReportValue,
    ValueChange,
)
from tkpk.monitoring.rules import Finding, predicate
from tkpk.monitoring.selectors import (
    monitoring_scope,
    report_get_for_user,
    report_values_for_user,
    value_get_for_user,
)
from tkpk.monitoring.selectors_attachments import (
    attachable_values,
    attachment_get_for_user,
    may_see_attachments,
    report_attachments_for_user,
)
from tkpk.monitoring.selectors_reports import (
    list_programme,
    may_edit_report,
    may_verify,
    report_follow_ups_for_user,
    report_list_for_user,
    value_history,
    value_lists_for_user,
)
from tkpk.monitoring.services_attachments import (
    attachment_add,
    attachment_remove,
    attachments_editable,
)
from tkpk.monitoring.services_reports import (
    follow_up_close,
    follow_up_create,
    report_check,
    report_submit,
    report_value_save,
    report_verify,
    value_editable,
)
from tkpk.planning.services import ConcurrentEditError
from tkpk.targeting.models import BeneficiaryList
from tkpk.targeting.services import storage_dir
from tkpk.targeting.services_lists import beneficiary_list_create
from tkpk.targeting.tasks_lists import beneficiary_list_link_task

TEMPLATE = "monitoring/reports/report.html"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


# --- the list ----------------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    scope = monitoring_scope(request.user)
    form = ReportFilterForm(request.GET or None, choose_opd=scope.province_wide)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    reports = report_list_for_user(user=request.user, **filters)
    return render(
        request,
        "monitoring/reports/list.html",
        {"form": form, "reports": reports[:500], "province_wide": scope.province_wide},
    )


# --- the report screen -------------------------------------------------------------------------


@dataclass
class RowBlock:
    """What the page shows of one instrument row."""

    value: ReportValue
    editable: bool
    form: ValueForm | None
    quarter_target: Decimal | None
    predicate: tuple[str, str] | None
    history: list[ValueChange]
    findings: list[Finding]
    blist: BeneficiaryList | None
    list_form: RowListForm | None
    verify_field: forms.BoundField | None
    lock_version: int = 0  # the version the row's inputs were read at
    saved: bool = False
    conflict: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def errors_found(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings_found(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "error"]


def _block(
    request: HttpRequest,
    report: QuarterReport,
    value: ReportValue,
    *,
    editor: bool,
    history: list[ValueChange],
    blist: BeneficiaryList | None,
    form: ValueForm | None = None,
    list_form: RowListForm | None = None,
    findings: list[Finding] | None = None,
    verify_form: VerifyForm | None = None,
) -> RowBlock:
    value.report = report
    editable = editor and value_editable(value)
    if editable and form is None:
        form = ValueForm(value=value)
    if editable and list_form is None:
        list_form = RowListForm(value=value)
    return RowBlock(
        value=value,
        editable=editable,
        form=form if editable else None,
        quarter_target=value.row.quarter_target(report.period.quarter),
        predicate=predicate(value.achievement),
        history=history,
        findings=findings or [],
        blist=blist,
        list_form=list_form if editable else None,
        verify_field=verify_form.row_field(value) if verify_form is not None else None,
        lock_version=value.lock_version,
    )


def _verify_open(request: HttpRequest, report: QuarterReport) -> bool:
    return (
        may_verify(user=request.user)
        and report.state == ReportState.SUBMITTED
        and report.period.state == PeriodState.OPEN
    )


def _follow_up_form(
    request: HttpRequest, report: QuarterReport, values: list[ReportValue], data: Any = None
) -> FollowUpForm | None:
    secretariat = may_verify(user=request.user)
    if not (secretariat or may_edit_report(user=request.user, report=report)):
        return None
    owners = (
        list(Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True))
        if secretariat
        else [report.opd]
    )
    return FollowUpForm(
        data,
        values=values,
        owners=owners,
        row_required=not secretariat,
        initial={"owner": report.opd},
    )


def _page(
    request: HttpRequest,
    report: QuarterReport,
    *,
    status: int = 200,
    forms_by_value: dict[int, ValueForm] | None = None,
    list_forms: dict[int, RowListForm] | None = None,
    findings: list[Finding] | None = None,
    general_errors: list[str] | None = None,
    verify_form: VerifyForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    upload_form: ExcelUploadForm | None = None,
    import_result: excel.ImportResult | None = None,
    conflicts: dict[int, str] | None = None,
    row_errors: dict[int, list[str]] | None = None,
    attachment_form: AttachmentForm | None = None,
) -> HttpResponse:
    user = request.user
    values = list(report_values_for_user(user=user, report=report))
    editor = may_edit_report(user=user, report=report)
    history = value_history(values=values)
    lists = value_lists_for_user(user=user, report=report, values=values)
    if verify_form is None and _verify_open(request, report):
        verify_form = VerifyForm(values=values)
    by_code: dict[str, list[Finding]] = {}
    for finding in findings or []:
        by_code.setdefault(finding.row_code, []).append(finding)
    blocks = []
    for value in values:
        block = _block(
            request,
            report,
            value,
            editor=editor,
            history=history[value.pk],
            blist=lists.get(value.pk),
            form=(forms_by_value or {}).get(value.pk),
            list_form=(list_forms or {}).get(value.pk),
            findings=by_code.get(value.row.code),
            verify_form=verify_form,
        )
        block.conflict = (conflicts or {}).get(value.pk, "")
        if block.conflict and block.form is not None:  # nothing was overwritten: keep it so
            block.lock_version = block.form.cleaned_data["lock_version"]
        block.errors = (row_errors or {}).get(value.pk, [])
        blocks.append(block)
    period_open = report.period.state == PeriodState.OPEN
    follow_ups = list(report_follow_ups_for_user(user=user, report=report))
    context = {
        "report": report,
        "period": report.period,
        "blocks": blocks,
        "editor": editor,
        "period_open": period_open,
        # Shown from the start: the autosave turns a new report into a draft without a reload.
        "can_submit": editor and period_open and report.state in EDITABLE_STATES,
        "findings": findings or [],
        "general_errors": general_errors or [],
        "verify_form": verify_form,
        "follow_ups": [
            (f, FollowUpCloseForm(initial={"lock_version": f.lock_version}, prefix=f"close{f.pk}"))
            for f in follow_ups
        ],
        "follow_up_form": follow_up_form or _follow_up_form(request, report, values),
        "may_close_follow_ups": editor or may_verify(user=user),
        "upload_form": upload_form or (ExcelUploadForm() if editor and period_open else None),
        "import_result": import_result,
        **_attachments_context(request, report, values, editor=editor, form=attachment_form),
    }
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    return _page(request, report)


def _value_of(request: HttpRequest, report: QuarterReport, value_pk: int) -> ReportValue:
    value = value_get_for_user(user=request.user, pk=value_pk)
    if value.report_id != report.pk:
        raise Http404
    return value


@login_required
@require_POST
def report_value_save_view(request: HttpRequest, pk: int, value_pk: int) -> HttpResponse:
    """Save one row: autosaved by htmx (the row's status part comes back with the new version
    and achievement; the inputs stay as typed), or by the row's save button without script."""
    report = report_get_for_user(user=request.user, pk=pk)
    value = _value_of(request, report, value_pk)
    if not may_edit_report(user=request.user, report=report):
        raise PermissionDenied
    form = ValueForm(request.POST, value=value)
    conflict, errors, saved = "", [], False
    if form.is_valid():
        try:
            value = report_value_save(
                value=value,
                by=cast(User, request.user),
                lock_version=form.cleaned_data["lock_version"],
                data=form.service_data(),
            )
            saved = True
        except ConcurrentEditError as exc:
            conflict = " ".join(exc.messages)
        except ValidationError as exc:
            errors = exc.messages
    else:
        errors = [
            f"{form[name].label}: {' '.join(str(m) for m in e)}" for name, e in form.errors.items()
        ]
    if _is_htmx(request):
        if saved:
            report.refresh_from_db()
        value.refresh_from_db()
        history = value_history(values=[value])[value.pk]
        block = _block(
            request,
            report,
            value,
            editor=True,
            history=history,
            blist=None,
            form=form,
        )
        block.saved, block.conflict, block.errors = saved, conflict, errors
        if conflict:  # keep the version the page was opened with: nothing was overwritten
            block.lock_version = form.cleaned_data["lock_version"]
        return render(request, TEMPLATE + "#row_status", {"block": block, "report": report})
    if saved:
        messages.success(request, _("Row %(code)s saved.") % {"code": value.row.code})
        return redirect(reverse("monitoring:report", args=[report.pk]) + f"#row-{value.pk}")
    return _page(
        request,
        report,
        status=409 if conflict else 400,
        forms_by_value={value.pk: form},
        conflicts={value.pk: conflict} if conflict else None,
        row_errors={value.pk: errors} if errors else None,
    )


@login_required
@require_POST
def report_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    try:
        report_submit(report=report, by=cast(User, request.user))
    except ValidationError as exc:
        report.refresh_from_db()
        findings = report_check(report=report)
        shown = {f.message for f in findings}
        general = [m for m in exc.messages if m not in shown]
        return _page(request, report, status=400, findings=findings, general_errors=general)
    messages.success(request, _("The report is submitted to the secretariat."))
    return redirect("monitoring:report", pk=report.pk)


@login_required
@require_POST
def report_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    if not may_verify(user=request.user):
        raise PermissionDenied
    values = list(report_values_for_user(user=request.user, report=report))
    form = VerifyForm(request.POST, values=values)
    if form.is_valid():
        try:
            report = report_verify(
                report=report,
                by=cast(User, request.user),
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                row_comments=form.row_comments(),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if report.state == ReportState.ACCEPTED:
                messages.success(request, _("The report is accepted."))
            else:
                messages.success(request, _("The report is returned to the OPD for revision."))
            return redirect("monitoring:report", pk=report.pk)
    return _page(request, report, status=400, verify_form=form)


# --- follow-ups --------------------------------------------------------------------------------


@login_required
@require_POST
def report_follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    values = list(report_values_for_user(user=request.user, report=report))
    form = _follow_up_form(request, report, values, data=request.POST)
    if form is None:
        raise PermissionDenied
    if form.is_valid():
        try:
            follow_up_create(
                period=report.period,
                by=cast(User, request.user),
                text=form.cleaned_data["text"],
                owner=form.cleaned_data["owner"],
                due_on=form.cleaned_data["due_on"],
                source=FollowUpSource.REPORT,
                value=form.cleaned_data["value"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The follow-up is recorded."))
            return redirect(reverse("monitoring:report", args=[report.pk]) + "#follow-ups")
    return _page(request, report, status=400, follow_up_form=form)


@login_required
@require_POST
def report_follow_up_close(request: HttpRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    item: FollowUp | None = (
        report_follow_ups_for_user(user=request.user, report=report).filter(pk=follow_up_pk).first()
    )
    if item is None:
        raise Http404
    form = FollowUpCloseForm(request.POST, prefix=f"close{item.pk}")
    if not form.is_valid():
        messages.error(request, _("Describe what was done."))
    elif item.status != FollowUpStatus.OPEN:
        messages.error(request, _("The follow-up is already closed."))
    else:
        try:
            follow_up_close(
                follow_up=item,
                by=cast(User, request.user),
                note=form.cleaned_data["note"],
                lock_version=form.cleaned_data["lock_version"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The follow-up is closed."))
    return redirect(reverse("monitoring:report", args=[report.pk]) + "#follow-ups")


# --- beneficiary lists -------------------------------------------------------------------------


@login_required
@require_POST
def report_value_list(request: HttpRequest, pk: int, value_pk: int) -> HttpResponse:
    """Upload a row's by-name-by-address list: filed with the target data and linked in the
    background (the list page shows the progress)."""
    report = report_get_for_user(user=request.user, pk=pk)
    value = _value_of(request, report, value_pk)
    value.report = report
    if not may_edit_report(user=request.user, report=report) or not value_editable(value):
        raise PermissionDenied
    form = RowListForm(request.POST, request.FILES, value=value)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower()
        path = storage_dir() / f"list-upload-{uuid.uuid4().hex}{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            blist = beneficiary_list_create(
                path=path,
                file_name=upload.name,
                programme=list_programme(value),
                organisation=report.opd,
                year=report.period.year,
                quarter=report.period.quarter,
                mapping=form.cleaned_data["mapping"],
                by=cast(User, request.user),
            )
        except ValidationError as exc:
            with contextlib.suppress(OSError):
                path.unlink()
            form.add_error(None, exc.messages)
        else:
            transaction.on_commit(lambda: beneficiary_list_link_task.enqueue(list_id=blist.pk))
            messages.success(
                request, _("The list is filed; it is being linked with the target data.")
            )
            return redirect(reverse("monitoring:report", args=[report.pk]) + f"#row-{value.pk}")
    return _page(request, report, status=400, list_forms={value.pk: form})


# --- Excel -------------------------------------------------------------------------------------


@login_required
@require_GET
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    content = excel.report_template(report=report)
    audit_record(
        action="monitoring.report_template_downloaded",
        actor=request.user,
        obj=report,
        request=request,
    )
    period = report.period
    name = slugify(f"laporan tw{period.quarter} {period.year} {report.opd.acronym}") or "laporan"
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def report_upload(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    if not may_edit_report(user=request.user, report=report):
        raise PermissionDenied
    form = ExcelUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, report, status=400, upload_form=form)
    result = excel.report_import(
        report=report, data=form.cleaned_data["file"], by=cast(User, request.user)
    )
    if not result.ok:
        return _page(request, report, status=400, upload_form=form, import_result=result)
    messages.success(
        request,
        _("The file is applied: %(updated)s rows changed, %(unchanged)s unchanged.")
        % {"updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("monitoring:report", pk=report.pk)


# --- attachments -------------------------------------------------------------------------------


def _attachments_context(
    request: HttpRequest,
    report: QuarterReport,
    values: list[ReportValue],
    *,
    editor: bool,
    form: AttachmentForm | None,
) -> dict[str, Any]:
    """The attachments block: each file with whether the OPD may still remove it, and the
    upload form while the report is open for changes."""
    if not may_see_attachments(user=request.user, report=report):
        return {"attachments": None, "attachment_form": None}
    by_pk = {v.pk: v for v in values}
    items: list[tuple[ReportAttachment, bool]] = []
    for item in report_attachments_for_user(user=request.user, report=report):
        value = by_pk.get(item.value_id) if item.value_id else None
        removable = editor and attachments_editable(report=report, value=value)
        items.append((item, removable))
    if form is None and editor and attachments_editable(report=report):
        form = AttachmentForm(values=attachable_values(report=report, values=values))
    return {"attachments": items, "attachment_form": form}


def _attachments_url(report: QuarterReport) -> str:
    return reverse("monitoring:report", args=[report.pk]) + "#attachments"


@login_required
@require_POST
def report_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The OPD attaches a file to its report or to one of its rows."""
    report = report_get_for_user(user=request.user, pk=pk)
    if not may_edit_report(user=request.user, report=report):
        raise PermissionDenied
    values = list(report_values_for_user(user=request.user, report=report))
    form = AttachmentForm(
        request.POST, request.FILES, values=attachable_values(report=report, values=values)
    )
    if form.is_valid():
        try:
            attachment = attachment_add(
                report=report,
                by=cast(User, request.user),
                upload=form.cleaned_data["file"],
                value=form.cleaned_data["value"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is attached.") % {"name": attachment.name})
            return redirect(_attachments_url(report))
    return _page(request, report, status=400, attachment_form=form)


@login_required
@require_GET
def report_attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    attachment = attachment_get_for_user(user=request.user, report=report, pk=attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit_record(
        action="monitoring.attachment_downloaded",
        actor=request.user,
        obj=attachment,
        request=request,
        detail={"report": report.pk},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def report_attachment_remove(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    report = report_get_for_user(user=request.user, pk=pk)
    attachment = attachment_get_for_user(user=request.user, report=report, pk=attachment_pk)
    if not may_edit_report(user=request.user, report=report):
        raise PermissionDenied
    try:
        attachment_remove(attachment=attachment, by=cast(User, request.user))
    except ValidationError as exc:
        return _page(request, report, status=400, general_errors=exc.messages)
    messages.success(request, _("%(name)s is removed.") % {"name": attachment.name})
    return redirect(_attachments_url(report))
