from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tkpk.accounts.models import User
from tkpk.core.permissions import require_role, scope_for
from tkpk.core.roles import Role
from tkpk.planning import selectors as sel
from tkpk.planning import services
from tkpk.planning.compare import plan_compare
from tkpk.planning.forms import (
    CommentForm,
    EnactForm,
    MatrixRowForm,
    RatCreateForm,
    SectionForm,
)
from tkpk.planning.models import PlanKind
from tkpk.planning.services import DRAFTERS


def _user(request: HttpRequest) -> User:
    """The logged-in user (every view here is behind login_required)."""
    return cast(User, request.user)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = sel.plan_list_for_user(user=request.user)
    can_create = not scope_for(request.user, [Role.SEKRETARIAT]).is_empty
    form = RatCreateForm(request.POST or None) if can_create else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            year = form.cleaned_data["year"]
            try:
                plan = services.plan_create(
                    kind=PlanKind.RAT,
                    title=f"RAT {year}",
                    year_start=year,
                    rpkd=form.cleaned_data["rpkd"],
                    by=_user(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("planning:plan", pk=plan.pk)
    return render(request, "planning/plan_list.html", {"plans": plans, "form": form})


def _detail_context(request: HttpRequest, plan: Any) -> dict[str, Any]:
    rows = sel.matrix_rows(plan=plan)
    for row in rows:
        row.editable = sel.can_edit_row(user=request.user, row=row)  # type: ignore[attr-defined]
    return {
        "plan": plan,
        "sections": plan.sections.all(),
        "rows": rows,
        "findings": services.plan_checks(plan=plan),
        "budget_by_opd": services.plan_budget_by_opd(plan=plan),
        "snapshots": plan.snapshots.all(),
        "goals": plan.goals.prefetch_related("targets__values"),
        "programmes": plan.programmes.select_related("strategy", "opd").prefetch_related("budgets"),
        "comments": plan.comments.select_related("author", "section", "row"),
        "can_draft": sel.can_draft(user=request.user, plan=plan),
        "can_enact": not plan.is_locked
        and not scope_for(
            request.user, [Role.SEKRETARIAT, Role.BIRO_HUKUM, Role.GUBERNUR]
        ).is_empty,
        "milestones": plan.instance.milestones if plan.instance else [],
        "comment_form": CommentForm(),
        "can_amend": not scope_for(request.user, [Role.SEKRETARIAT]).is_empty,
        "enact_form": EnactForm(),
    }


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = services.plan_attach_instance(sel.plan_get_for_user(user=request.user, pk=pk))
    return render(request, "planning/plan_detail.html", _detail_context(request, plan))


def _user_opds(user: Any) -> list[int] | None:
    if not scope_for(user, DRAFTERS).is_empty:
        return None
    return sorted(scope_for(user, [Role.OPD]).organisation_ids)


@login_required
def row_edit(request: HttpRequest, pk: int, row_pk: int | None = None) -> HttpResponse:
    """Create or edit a matrix row; a stale save is refused and the typed values are kept."""
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    row = sel.row_get_for_user(user=request.user, plan=plan, pk=row_pk) if row_pk else None
    if row is not None and not sel.can_edit_row(user=request.user, row=row):
        raise PermissionDenied
    if row is None and (
        plan.is_locked
        or (_user_opds(request.user) == [] and scope_for(request.user, DRAFTERS).is_empty)
    ):
        raise PermissionDenied
    form = MatrixRowForm(
        request.POST or None, instance=row, plan=plan, user_opds=_user_opds(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in {"lock_version", "location_codes"}
        }
        data["locations"] = form.cleaned_data["location_codes"]
        try:
            services.matrix_row_save(
                plan=plan,
                by=_user(request),
                data=data,
                row=row,
                lock_version=form.cleaned_data["lock_version"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The row is saved."))
            return redirect(f"{plan.get_absolute_url()}#matriks")
    return render(request, "planning/row_edit.html", {"plan": plan, "row": row, "form": form})


@login_required
def section_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    if not sel.can_draft(user=request.user, plan=plan):
        raise PermissionDenied
    section = plan.sections.filter(key=key).first()
    if section is None:
        raise PermissionDenied
    form = SectionForm(
        request.POST or None, initial={"body": section.body, "lock_version": section.lock_version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.section_save(
                section=section,
                body=form.cleaned_data["body"],
                lock_version=form.cleaned_data["lock_version"],
                by=_user(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The chapter is saved."))
            return redirect(f"{plan.get_absolute_url()}#bab-{section.key}")
    return render(
        request, "planning/section_edit.html", {"plan": plan, "section": section, "form": form}
    )


@login_required
@require_POST
def stage_finish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    try:
        services.plan_stage_finish(plan=plan, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The stage is finished and frozen as a version."))
    return redirect("planning:plan", pk=plan.pk)


@login_required
@require_POST
def enact(request: HttpRequest, pk: int) -> HttpResponse:
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    require_role(request.user, Role.SEKRETARIAT, Role.BIRO_HUKUM, Role.GUBERNUR)
    form = EnactForm(request.POST)
    if form.is_valid():
        try:
            services.plan_enact(plan=plan, by=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The plan is enacted and locked."))
            return redirect("planning:plan", pk=plan.pk)
    context = _detail_context(request, plan)
    context["enact_form"] = form
    return render(request, "planning/plan_detail.html", context, status=200)


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        section = plan.sections.filter(key=request.POST.get("section", "")).first()
        row_pk = request.POST.get("row")
        row = plan.matrix.filter(pk=row_pk).first() if row_pk and row_pk.isdigit() else None
        services.comment_add(
            plan=plan,
            by=_user(request),
            text=form.cleaned_data["text"],
            section=section,
            row=row,
        )
    return redirect(f"{plan.get_absolute_url()}#komentar")


@login_required
def snapshot_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare two frozen versions (?a=1&b=2), or a version with the current content (?a=1)."""
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    snapshots = list(plan.snapshots.all())
    a_num = request.GET.get("a", "")
    b_num = request.GET.get("b", "")
    old = (
        sel.snapshot_get(plan=plan, number=int(a_num))
        if a_num.isdigit()
        else (snapshots[-1] if snapshots else None)
    )
    new_data = (
        sel.snapshot_get(plan=plan, number=int(b_num)).data
        if b_num.isdigit()
        else services.plan_serialize(plan)
    )
    diff = plan_compare(old.data if old else {}, new_data)
    return render(
        request,
        "planning/compare.html",
        {"plan": plan, "old": old, "b": b_num, "diff": diff, "snapshots": snapshots},
    )


@login_required
@require_POST
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    try:
        draft = services.plan_amend(plan=plan, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("planning:plan", pk=plan.pk)
    messages.success(request, _("An amendment draft was created; the enacted plan stays in force."))
    return redirect("planning:plan", pk=draft.pk)


@login_required
def snapshot_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A frozen version as it was: its chapters and matrix."""
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    snapshot = sel.snapshot_get(plan=plan, number=number)
    return render(
        request,
        "planning/snapshot.html",
        {"plan": plan, "snapshot": snapshot, "data": snapshot.data},
    )
