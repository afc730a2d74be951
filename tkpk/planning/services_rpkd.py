"""Editing the RPKD's structured content in the browser: goals → targets with yearly values,
strategies → policy directions, programmes with budgets and priority kelurahan, risks.

Only the drafting team writes (``services._draft_check``), nothing changes once the plan is
enacted, and every update names the ``lock_version`` it was read at, so two people editing the
same item never silently overwrite each other (``services._versioned_update``). Creation reuses
the ``*_create`` functions of ``services`` and adds the audit row and the kelurahan check.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, User
from tkpk.core.services import audit_record
from tkpk.planning.models import (
    Goal,
    PolicyDirection,
    PriorityLocation,
    Programme,
    ProgrammeBudget,
    Risk,
    Strategy,
    Target,
    TargetValue,
)
from tkpk.planning.services import (
    ConcurrentEditError,
    _draft_check,
    _versioned_update,
    kelurahan_check,
    programme_refs_check,
    years_check,
)
from tkpk.regions.models import Region

RISK_FIELDS = ["risk", "cause", "impact", "likelihood", "mitigation", "owner"]


# --- helpers -------------------------------------------------------------------------------------


def _validated_fields(model: type[Model], obj: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """Validate ``fields`` on a fresh copy of ``obj``; return them ready for ``update()``."""
    candidate = model._default_manager.get(pk=obj.pk)
    for key, value in fields.items():
        setattr(candidate, key, value)
    candidate.full_clean()
    return {
        (f"{k}_id" if isinstance(v, Model) else k): (v.pk if isinstance(v, Model) else v)
        for k, v in fields.items()
    }


def _stale_check(model: type[Model], obj: Any, lock_version: int | None) -> None:
    """A delete from a stale page is refused like a stale save."""
    if lock_version is None:
        return
    current: Any = model._default_manager.select_related("updated_by").get(pk=obj.pk)
    if current.lock_version != lock_version:
        who = current.updated_by.get_full_name() if current.updated_by else _("someone")
        raise ConcurrentEditError(
            _(
                "%(who)s saved this item after you opened it. Nothing was deleted; "
                "reload to see their changes."
            )
            % {"who": who}
        )


def _delete(obj: Any, *, action: str, by: User) -> None:
    audit_record(action=action, actor=by, obj=obj)
    try:
        obj.delete()
    except ProtectedError as exc:
        used = ", ".join(sorted({str(o) for o in exc.protected_objects})[:5])
        raise ValidationError(
            _("This item is still used by %(used)s; change those first.") % {"used": used}
        ) from exc


def _replace_values(
    model: type[Model], owner: dict[str, Any], field: str, data: dict[int, Any]
) -> None:
    """Yearly figures: the given years are set, the others removed."""
    manager: Any = model._default_manager
    manager.filter(**owner).exclude(year__in=list(data)).delete()
    for year, value in data.items():
        manager.update_or_create(**owner, year=year, defaults={field: value})


# --- goals ---------------------------------------------------------------------------------------


@transaction.atomic
def goal_update(*, goal: Goal, lock_version: int, code: str, text: str, by: User) -> Goal:
    _draft_check(goal.plan, by)
    fields = _validated_fields(Goal, goal, {"code": code, "text": text})
    _versioned_update(Goal, goal, lock_version, fields, by)
    audit_record(action="planning.goal_saved", actor=by, obj=goal)
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, by: User, lock_version: int | None = None) -> None:
    _draft_check(goal.plan, by)
    _stale_check(Goal, goal, lock_version)
    _delete(goal, action="planning.goal_deleted", by=by)


# --- targets -------------------------------------------------------------------------------------


@transaction.atomic
def target_update(
    *,
    target: Target,
    lock_version: int,
    code: str,
    indicator: str,
    unit: str,
    direction: str,
    baseline: Decimal,
    baseline_year: int,
    values: dict[int, Decimal],
    by: User,
) -> Target:
    plan = target.goal.plan
    _draft_check(plan, by)
    years_check(plan, values)
    fields = _validated_fields(
        Target,
        target,
        {
            "code": code,
            "indicator": indicator,
            "unit": unit,
            "direction": direction,
            "baseline": baseline,
            "baseline_year": baseline_year,
        },
    )
    _versioned_update(Target, target, lock_version, fields, by)
    _replace_values(TargetValue, {"target": target}, "value", values)
    audit_record(
        action="planning.target_saved",
        actor=by,
        obj=target,
        detail={"values": {str(y): str(v) for y, v in sorted(values.items())}},
    )
    return target


@transaction.atomic
def target_delete(*, target: Target, by: User, lock_version: int | None = None) -> None:
    _draft_check(target.goal.plan, by)
    _stale_check(Target, target, lock_version)
    _delete(target, action="planning.target_deleted", by=by)


# --- strategies ----------------------------------------------------------------------------------


@transaction.atomic
def strategy_update(
    *,
    strategy: Strategy,
    lock_version: int,
    code: str,
    kind: str,
    text: str,
    directions: list[str],
    by: User,
) -> Strategy:
    """Save a strategy; its policy directions are replaced by ``directions`` (in order)."""
    _draft_check(strategy.plan, by)
    fields = _validated_fields(Strategy, strategy, {"code": code, "kind": kind, "text": text})
    _versioned_update(Strategy, strategy, lock_version, fields, by)
    strategy.directions.all().delete()
    for n, direction in enumerate((d.strip() for d in directions if d.strip()), start=1):
        PolicyDirection.objects.create(
            strategy=strategy, code=f"{code}.{n}", text=direction, updated_by=by
        )
    audit_record(action="planning.strategy_saved", actor=by, obj=strategy)
    return strategy


@transaction.atomic
def strategy_delete(*, strategy: Strategy, by: User, lock_version: int | None = None) -> None:
    _draft_check(strategy.plan, by)
    _stale_check(Strategy, strategy, lock_version)
    _delete(strategy, action="planning.strategy_deleted", by=by)


# --- programmes ----------------------------------------------------------------------------------


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    lock_version: int,
    code: str,
    name: str,
    klaster: int,
    strategy: Strategy,
    opd: Organisation,
    is_priority: bool,
    budgets: dict[int, Decimal],
    locations: list[Region],
    by: User,
) -> Programme:
    """Save a programme with its budget per year and its priority kelurahan (replaced)."""
    plan = programme.plan
    _draft_check(plan, by)
    programme_refs_check(plan, strategy, opd)
    years_check(plan, budgets)
    kelurahan_check(locations)
    if plan.programmes.filter(code=code).exclude(pk=programme.pk).exists():
        raise ValidationError({"code": _("Another programme of this plan has this code.")})
    fields = _validated_fields(
        Programme,
        programme,
        {
            "code": code,
            "name": name,
            "klaster": klaster,
            "strategy": strategy,
            "opd": opd,
            "is_priority": is_priority,
        },
    )
    _versioned_update(Programme, programme, lock_version, fields, by)
    _replace_values(ProgrammeBudget, {"programme": programme}, "amount", budgets)
    wanted = {r.pk for r in locations}
    programme.locations.exclude(region_id__in=wanted).delete()
    kept = set(programme.locations.values_list("region_id", flat=True))
    for region in locations:
        if region.pk not in kept:
            PriorityLocation.objects.create(plan=plan, programme=programme, region=region)
            kept.add(region.pk)
    audit_record(
        action="planning.programme_saved",
        actor=by,
        obj=programme,
        detail={"locations": sorted(wanted)},
    )
    return programme


@transaction.atomic
def programme_delete(*, programme: Programme, by: User, lock_version: int | None = None) -> None:
    _draft_check(programme.plan, by)
    _stale_check(Programme, programme, lock_version)
    _delete(programme, action="planning.programme_deleted", by=by)


# --- risks ---------------------------------------------------------------------------------------


@transaction.atomic
def risk_update(
    *,
    risk: Risk,
    lock_version: int,
    by: User,
    risk_text: str,
    cause: str = "",
    impact: str = "",
    likelihood: int,
    mitigation: str = "",
    owner: str = "",
) -> Risk:
    _draft_check(risk.plan, by)
    fields = _validated_fields(
        Risk,
        risk,
        {
            "risk": risk_text,
            "cause": cause,
            "impact": impact,
            "likelihood": likelihood,
            "mitigation": mitigation,
            "owner": owner,
        },
    )
    _versioned_update(Risk, risk, lock_version, fields, by)
    audit_record(action="planning.risk_saved", actor=by, obj=risk)
    return risk


@transaction.atomic
def risk_delete(*, risk: Risk, by: User, lock_version: int | None = None) -> None:
    _draft_check(risk.plan, by)
    _stale_check(Risk, risk, lock_version)
    _delete(risk, action="planning.risk_deleted", by=by)
