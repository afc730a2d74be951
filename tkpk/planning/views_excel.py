"""The RAT matrix in Excel: download an OPD's template, upload it filled in."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tkpk.accounts.models import Organisation, User
from tkpk.core.permissions import require_role
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.planning import excel
from tkpk.planning import selectors as sel
from tkpk.planning.forms_excel import MatrixOrganisationForm, MatrixUploadForm
from tkpk.planning.models import Plan, PlanKind

MATRIX_ROLES = (Role.OPD, Role.SEKRETARIAT, Role.TIM_PENYUSUN)


def _rat_get(request: HttpRequest, plan_id: int) -> tuple[Plan, list[Organisation]]:
    """The RAT and the OPDs this user may work for (403 without a matrix role, 404 no RAT)."""
    require_role(request.user, *MATRIX_ROLES)
    plan = sel.plan_get_for_user(user=request.user, pk=plan_id)
    if plan.kind != PlanKind.RAT:
        raise Http404
    organisations = excel.matrix_organisations_for(user=request.user)
    if not organisations:
        raise PermissionDenied
    return plan, organisations


@login_required
@require_http_methods(["GET", "POST"])
def matrix_excel(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan, organisations = _rat_get(request, plan_id)
    posted = request.method == "POST"
    upload_form = (
        MatrixUploadForm(request.POST, request.FILES, organisations=organisations)
        if posted
        else MatrixUploadForm(organisations=organisations)
    )
    result: excel.ImportResult | None = None
    if posted and upload_form.is_valid():
        organisation = upload_form.cleaned_data["opd"]
        result = excel.matrix_import(
            plan=plan,
            organisation=organisation,
            data=upload_form.cleaned_data["file"],
            by=cast(User, request.user),
        )
        if result.ok:
            messages.success(
                request,
                _(
                    "The file of %(opd)s is applied: %(created)s rows added, %(updated)s "
                    "changed, %(unchanged)s unchanged."
                )
                % {
                    "opd": organisation,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("planning_excel:matrix_excel", plan_id=plan.pk)
    context: dict[str, Any] = {
        "plan": plan,
        "download_form": MatrixOrganisationForm(organisations=organisations),
        "upload_form": upload_form,
        "single_opd": organisations[0] if len(organisations) == 1 else None,
        "result": result,
    }
    return render(request, "planning/matrix_excel.html", context)


@login_required
@require_GET
def matrix_template_download(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan, organisations = _rat_get(request, plan_id)
    raw = request.GET.get("opd", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        organisation = get_object_or_404(Organisation, pk=int(raw))
        if not excel.matrix_organisation_allowed(user=request.user, organisation=organisation):
            raise PermissionDenied
    elif len(organisations) == 1:
        organisation = organisations[0]
    else:
        raise Http404
    content = excel.matrix_template(plan=plan, organisation=organisation)
    audit_record(
        action="planning.template_downloaded",
        actor=request.user,
        obj=plan,
        request=request,
        detail={"opd": str(organisation), "organisation_id": organisation.pk},
    )
    name = slugify(f"matriks {plan.title} {organisation}") or "matriks"
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
