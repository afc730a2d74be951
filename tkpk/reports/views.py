"""Pages: the report list, a new report, the report (versions with progress, downloads, the
Ketua's decision, recommendations, Matriks 1 answers) and the file downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tkpk.reports import selectors, services
from tkpk.reports.forms import AnswerForm, DecisionForm, RecommendationsForm, ReportNewForm
from tkpk.reports.models import PpkeQuestion, Report, ReportKind, ReportStatus


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    reports = selectors.report_list_for_user(user=request.user)
    return render(
        request,
        "reports/list.html",
        {"reports": reports, "can_write": selectors.can_write(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    selectors.reports_require_reader(request.user)
    if not selectors.can_write(request.user):
        raise PermissionDenied
    form = ReportNewForm(request.POST or None, initial=request.GET.dict() or None)
    existing: Report | None = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_create(
                kind=form.cleaned_data["kind"],
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
                by=request.user,  # type: ignore[arg-type]
            )
            services.report_generate(report=report, by=request.user)  # type: ignore[arg-type]
        except services.ReportExistsError as exc:
            existing = exc.report
            form.add_error(None, exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("reports:detail", pk=report.pk)
    return render(
        request,
        "reports/new.html",
        {"form": form, "existing": existing},
        status=400 if form.errors else 200,
    )


def _recommendations_empty(report: Report) -> bool:
    """The current LP2KD version prints "Rekomendasi belum diisi." (a warning, not a block)."""
    version = report.current_version
    if report.kind != ReportKind.LP2KD or version is None or not version.snapshot:
        return False
    return not str(version.snapshot.get("recommendations", "")).strip()


def _detail_context(request: HttpRequest, report: Report, **extra: Any) -> dict[str, Any]:
    user = request.user
    version = report.current_version
    latest = report.versions.order_by("-number").first()
    answers = selectors.ppke_answers(report=report)
    return {
        "report": report,
        "versions": report.versions.select_related("generated_by"),
        "latest": latest,
        "version": version,
        "running": latest is not None and latest.running,
        "can_write": selectors.can_write(user) and report.status == ReportStatus.DRAFT,
        "can_decide": selectors.can_decide(user) and report.status == ReportStatus.REVIEW,
        "recommendations_form": RecommendationsForm(
            initial={"text": report.recommendations, "lock_version": report.lock_version}
        ),
        "decision_form": DecisionForm(),
        "answer_rows": [
            (
                q,
                AnswerForm(
                    initial={
                        "question": q.pk,
                        "text": a.text if a else "",
                        "lock_version": a.lock_version if a else 0,
                    },
                    prefix=f"q{q.pk}",
                ),
            )
            for q, a in answers
        ],
        "is_lp2kd": report.kind == ReportKind.LP2KD,
        "outdated": selectors.version_outdated(report=report),
        "missing_answers": selectors.ppke_missing_answers(report=report, answers=answers),
        "recommendations_empty": _recommendations_empty(report),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:  # noqa: PLR0912 (one branch per action)
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        context = _detail_context(request, report)
        if not request.headers.get("HX-Request"):
            return render(request, "reports/detail.html", context)
        response = render(request, "reports/detail.html#status", context)
        if not context["running"]:
            # The build ended: reload the page so versions, buttons and warnings agree.
            response["HX-Refresh"] = "true"
        return response
    action = request.POST.get("action", "")
    by: Any = request.user
    extra: dict[str, Any] = {}
    try:
        if action == "generate":
            services.report_generate(report=report, by=by)
        elif action == "submit":
            services.report_submit(report=report, by=by)
        elif action == "decide":
            decision = DecisionForm(request.POST)
            extra["decision_form"] = decision
            if not decision.is_valid():
                raise ValidationError(_("Choose approve or return."))
            services.report_decide(
                report=report,
                by=by,
                decision=decision.cleaned_data["decision"],
                note=decision.cleaned_data["note"],
            )
        elif action == "recommendations":
            form = RecommendationsForm(request.POST)
            extra["recommendations_form"] = form
            if not form.is_valid():
                raise ValidationError(_("Check the form."))
            services.report_recommendations_save(
                report=report,
                by=by,
                text=form.cleaned_data["text"],
                lock_version=form.cleaned_data["lock_version"],
            )
        elif action == "answer":
            _answer(request, report, by)
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        report.refresh_from_db()
        context = _detail_context(request, report)
        context.update(extra)
        if action == "answer":
            context["answer_rows"] = _answer_rows_kept(request, context["answer_rows"])
        return render(request, "reports/detail.html", context, status=400)
    messages.success(request, _("Saved."))
    return redirect("reports:detail", pk=report.pk)


def _answer(request: HttpRequest, report: Report, by: Any) -> None:
    qid = request.POST.get("question", "")
    question = PpkeQuestion.objects.filter(pk=qid if qid.isdigit() else 0).first()
    if question is None or report.kind != ReportKind.PPKE or report.quarter is None:
        raise Http404
    form = AnswerForm(request.POST, prefix=f"q{question.pk}")
    if not form.is_valid():
        raise ValidationError(_("Check the form."))
    services.ppke_answer_save(
        question=question,
        year=report.year,
        quarter=report.quarter,
        by=by,
        text=form.cleaned_data["text"],
        lock_version=form.cleaned_data["lock_version"],
    )


def _answer_rows_kept(request: HttpRequest, rows: list[Any]) -> list[Any]:
    """On a refused save, the answer keeps what the user typed."""
    qid = request.POST.get("question", "")
    return [
        (q, AnswerForm(request.POST, prefix=f"q{q.pk}") if str(q.pk) == qid else form)
        for q, form in rows
    ]


@login_required
def report_download(request: HttpRequest, pk: int, number: int, fmt: str) -> FileResponse:
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    version = selectors.version_get_for_user(user=request.user, report=report, number=number)
    field = version.docx if fmt == "docx" else version.pdf if fmt == "pdf" else None
    if not field:
        raise Http404
    services.report_download_record(version=version, by=request.user, fmt=fmt)  # type: ignore[arg-type]
    stem = services.file_stem(kind=report.kind, year=report.year, quarter=report.quarter)
    return FileResponse(field.open("rb"), as_attachment=True, filename=f"{stem}-v{number}.{fmt}")
