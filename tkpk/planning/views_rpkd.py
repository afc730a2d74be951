"""Add, edit and delete pages of the RPKD's structured content (drafting team only).

Every page of one kind of item works the same way, so one generic page serves them all: the
kind says which form, services and anchor of the plan page belong to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tkpk.planning import selectors as sel
from tkpk.planning import services
from tkpk.planning import services_rpkd as rpkd
from tkpk.planning.forms_rpkd import GoalForm, ProgrammeForm, RiskForm, StrategyForm, TargetForm
from tkpk.planning.models import Goal, Plan, PlanKind, Programme, Risk, Strategy, Target
from tkpk.planning.views import _user


@dataclass(frozen=True)
class _Kind:
    name: str
    label: Any
    form: type[Any]
    form_takes_plan: bool
    anchor: str
    objects: Callable[[Plan, Any], QuerySet[Any]]
    new: Callable[[Plan, Any], Model]
    add: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]


def _risk_update(*, obj: Risk, lock_version: int, by: Any, data: dict[str, Any]) -> Risk:
    data = dict(data)
    return rpkd.risk_update(
        risk=obj, lock_version=lock_version, by=by, risk_text=data.pop("risk"), **data
    )


KINDS: dict[str, _Kind] = {
    "goal": _Kind(
        name="goal",
        label=gettext_lazy("goal"),
        form=GoalForm,
        form_takes_plan=False,
        anchor="tujuan",
        objects=lambda plan, parent: plan.goals.all(),
        new=lambda plan, parent: Goal(plan=plan),
        add=lambda *, plan, parent, by, data: services.goal_create(plan=plan, by=by, **data),
        update=lambda *, obj, lock_version, by, data: rpkd.goal_update(
            goal=obj, lock_version=lock_version, by=by, **data
        ),
        delete=lambda *, obj, lock_version, by: rpkd.goal_delete(
            goal=obj, lock_version=lock_version, by=by
        ),
    ),
    "target": _Kind(
        name="target",
        label=gettext_lazy("target"),
        form=TargetForm,
        form_takes_plan=True,
        anchor="tujuan",
        objects=lambda plan, parent: Target.objects.filter(goal=parent).select_related(
            "goal__plan"
        ),
        new=lambda plan, parent: Target(goal=parent),
        add=lambda *, plan, parent, by, data: services.target_create(goal=parent, by=by, **data),
        update=lambda *, obj, lock_version, by, data: rpkd.target_update(
            target=obj, lock_version=lock_version, by=by, **data
        ),
        delete=lambda *, obj, lock_version, by: rpkd.target_delete(
            target=obj, lock_version=lock_version, by=by
        ),
    ),
    "strategy": _Kind(
        name="strategy",
        label=gettext_lazy("strategy"),
        form=StrategyForm,
        form_takes_plan=False,
        anchor="strategi",
        objects=lambda plan, parent: plan.strategies.all(),
        new=lambda plan, parent: Strategy(plan=plan),
        add=lambda *, plan, parent, by, data: services.strategy_create(plan=plan, by=by, **data),
        update=lambda *, obj, lock_version, by, data: rpkd.strategy_update(
            strategy=obj, lock_version=lock_version, by=by, **data
        ),
        delete=lambda *, obj, lock_version, by: rpkd.strategy_delete(
            strategy=obj, lock_version=lock_version, by=by
        ),
    ),
    "programme": _Kind(
        name="programme",
        label=gettext_lazy("programme"),
        form=ProgrammeForm,
        form_takes_plan=True,
        anchor="program",
        objects=lambda plan, parent: plan.programmes.all(),
        new=lambda plan, parent: Programme(plan=plan),
        add=lambda *, plan, parent, by, data: services.programme_create(plan=plan, by=by, **data),
        update=lambda *, obj, lock_version, by, data: rpkd.programme_update(
            programme=obj, lock_version=lock_version, by=by, **data
        ),
        delete=lambda *, obj, lock_version, by: rpkd.programme_delete(
            programme=obj, lock_version=lock_version, by=by
        ),
    ),
    "risk": _Kind(
        name="risk",
        label=gettext_lazy("risk"),
        form=RiskForm,
        form_takes_plan=False,
        anchor="risiko",
        objects=lambda plan, parent: plan.risks.all(),
        new=lambda plan, parent: Risk(plan=plan),
        add=lambda *, plan, parent, by, data: services.risk_create(plan=plan, by=by, **data),
        update=_risk_update,
        delete=lambda *, obj, lock_version, by: rpkd.risk_delete(
            risk=obj, lock_version=lock_version, by=by
        ),
    ),
}


def _plan_for_drafting(request: HttpRequest, pk: int) -> Plan:
    """Members read; only the drafting team writes, and only while the plan is not enacted."""
    plan = sel.plan_get_for_user(user=request.user, pk=pk)
    if plan.kind != PlanKind.RPKD:
        raise Http404
    if not sel.can_draft(user=request.user, plan=plan):
        raise PermissionDenied
    return plan


def _parent(plan: Plan, goal: int | None) -> Goal | None:
    if goal is None:
        return None
    parent = plan.goals.filter(pk=goal).first()
    if parent is None:
        raise Http404
    return parent


def _item(kind: _Kind, plan: Plan, parent: Goal | None, item: int) -> Any:
    obj = kind.objects(plan, parent).filter(pk=item).first()
    if obj is None:
        raise Http404
    return obj


def _back(plan: Plan, kind: _Kind) -> str:
    return f"{plan.get_absolute_url()}#{kind.anchor}"


def _urls(kind: _Kind, plan: Plan, parent: Goal | None, obj: Any) -> dict[str, str]:
    head = [plan.pk] + ([parent.pk] if parent is not None else [])
    if obj is None:
        return {}
    return {
        "delete_url": reverse(f"planning_rpkd:{kind.name}_delete", args=[*head, obj.pk]),
    }


def _item_page(
    request: HttpRequest, *, name: str, pk: int, item: int | None, goal: int | None = None
) -> HttpResponse:
    kind = KINDS[name]
    plan = _plan_for_drafting(request, pk)
    parent = _parent(plan, goal)
    obj = _item(kind, plan, parent, item) if item is not None else None
    kwargs: dict[str, Any] = {"instance": obj if obj is not None else kind.new(plan, parent)}
    if kind.form_takes_plan:
        kwargs["plan"] = plan
    form = kind.form(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        by = _user(request)
        try:
            if obj is None:
                kind.add(plan=plan, parent=parent, by=by, data=form.service_data())
            else:
                kind.update(
                    obj=obj,
                    lock_version=form.cleaned_data["lock_version"],
                    by=by,
                    data=form.service_data(),
                )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back(plan, kind))
    return render(
        request,
        "planning/rpkd_item.html",
        {
            "plan": plan,
            "kind": kind,
            "parent": parent,
            "obj": obj,
            "form": form,
            "cancel_url": _back(plan, kind),
            **_urls(kind, plan, parent, obj),
        },
    )


def _item_delete(
    request: HttpRequest, *, name: str, pk: int, item: int, goal: int | None = None
) -> HttpResponse:
    kind = KINDS[name]
    plan = _plan_for_drafting(request, pk)
    parent = _parent(plan, goal)
    obj = _item(kind, plan, parent, item)
    raw = request.POST.get("lock_version", "")
    try:
        kind.delete(obj=obj, lock_version=int(raw) if raw.isdigit() else None, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        head = [plan.pk] + ([parent.pk] if parent is not None else [])
        return redirect(reverse(f"planning_rpkd:{kind.name}_edit", args=[*head, obj.pk]))
    messages.success(request, _("Deleted."))
    return redirect(_back(plan, kind))


# --- the pages -----------------------------------------------------------------------------------


@login_required
def goal_edit(request: HttpRequest, pk: int, item: int | None = None) -> HttpResponse:
    return _item_page(request, name="goal", pk=pk, item=item)


@login_required
@require_POST
def goal_delete(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    return _item_delete(request, name="goal", pk=pk, item=item)


@login_required
def target_edit(request: HttpRequest, pk: int, goal: int, item: int | None = None) -> HttpResponse:
    return _item_page(request, name="target", pk=pk, item=item, goal=goal)


@login_required
@require_POST
def target_delete(request: HttpRequest, pk: int, goal: int, item: int) -> HttpResponse:
    return _item_delete(request, name="target", pk=pk, item=item, goal=goal)


@login_required
def strategy_edit(request: HttpRequest, pk: int, item: int | None = None) -> HttpResponse:
    return _item_page(request, name="strategy", pk=pk, item=item)


@login_required
@require_POST
def strategy_delete(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    return _item_delete(request, name="strategy", pk=pk, item=item)


@login_required
def programme_edit(request: HttpRequest, pk: int, item: int | None = None) -> HttpResponse:
    return _item_page(request, name="programme", pk=pk, item=item)


@login_required
@require_POST
def programme_delete(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    return _item_delete(request, name="programme", pk=pk, item=item)


@login_required
def risk_edit(request: HttpRequest, pk: int, item: int | None = None) -> HttpResponse:
    return _item_page(request, name="risk", pk=pk, item=item)


@login_required
@require_POST
def risk_delete(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    return _item_delete(request, name="risk", pk=pk, item=item)
