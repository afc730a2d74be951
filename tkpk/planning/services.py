from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, User
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.planning.models import (
    STAGES,
    Comment,
    Goal,
    MatrixRow,
    Plan,
    PlanKind,
    PolicyDirection,
    PriorityLocation,
    Programme,
    ProgrammeBudget,
    Risk,
    Section,
    Snapshot,
    Stage,
    Strategy,
    Target,
    TargetValue,
)
from tkpk.processes.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from tkpk.processes.services import human_task_complete, task_can_complete
from tkpk.regions.models import Level, Region

SECTIONS = {
    PlanKind.RPKD: [
        ("pendahuluan", "Pendahuluan"),
        ("kondisi_umum", "Kondisi Umum Daerah"),
        ("profil_kemiskinan", "Profil Kemiskinan Daerah"),
        ("gambaran_keuangan", "Gambaran Keuangan Daerah"),
        ("permasalahan", "Permasalahan Pembangunan"),
        ("telaah_dokumen", "Penelaahan Dokumen Perencanaan"),
        ("penutup", "Penutup"),
    ],
    PlanKind.RAT: [
        ("pendahuluan", "Pendahuluan"),
        ("telaah_dokumen", "Penelaahan Dokumen Perencanaan"),
        ("hasil_monev", "Hasil Pemantauan dan Evaluasi Tahun Sebelumnya dan Tahun Berjalan"),
        ("strategi_arah", "Strategi dan Arah Kebijakan berdasarkan RPKD"),
        ("penutup", "Penutup"),
    ],
}
DRAFTERS = frozenset({Role.SEKRETARIAT, Role.TIM_PENYUSUN})
MATRIX_FIELDS = [
    "level",
    "code",
    "name",
    "indicator",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_q1",
    "target_q2",
    "target_q3",
    "target_q4",
    "budget",
    "source_of_funds",
    "target_group",
    "deviation_note",
]


class ConcurrentEditError(ValidationError):
    """Someone else saved the same item after it was opened; nothing was overwritten."""


class PlanLockedError(ValidationError):
    pass


# Sections another capability writes a first draft of, by section key: e.g. the reports app
# fills a new RAT's "M&E results" from the last approved LP2KD (registered in its ready()).
SECTION_PREFILLS: dict[str, Callable[[Plan], str]] = {}


def _can_draft(user: Any) -> bool:
    return not scope_for(user, DRAFTERS).is_empty


def _check_open(plan: Plan) -> None:
    if plan.is_locked:
        raise PlanLockedError(
            _("The plan is enacted and locked; changes need an amendment (a new version).")
        )


def _versioned_update(
    model: type[Model], obj: Any, lock_version: int, fields: dict[str, Any], by: User | None
) -> None:
    """Write ``fields`` only if nobody saved since ``lock_version`` was read."""
    updated = model._default_manager.filter(pk=obj.pk, lock_version=lock_version).update(
        **fields, lock_version=lock_version + 1, updated_by=by
    )
    if updated != 1:
        current: Any = model._default_manager.select_related("updated_by").get(pk=obj.pk)
        who = current.updated_by.get_full_name() if current.updated_by else _("someone")
        raise ConcurrentEditError(
            _(
                "%(who)s saved this item after you opened it. Your changes were not saved; "
                "reload to see theirs, then apply yours again."
            )
            % {"who": who}
        )
    obj.refresh_from_db()


@transaction.atomic
def plan_create(
    *,
    kind: PlanKind,
    title: str,
    year_start: int,
    year_end: int | None = None,
    rpkd: Plan | None = None,
    by: User | None = None,
) -> Plan:
    plan = Plan(
        kind=kind,
        title=title,
        year_start=year_start,
        year_end=year_end if year_end is not None else year_start,
        rpkd=rpkd,
        stage=STAGES[kind][0],
        instance=plan_instance_for(kind=kind, year=year_start),
    )
    plan.full_clean()
    plan.save()
    for order, (key, section_title) in enumerate(SECTIONS[kind], start=1):
        prefill = SECTION_PREFILLS.get(key)
        body = clean_html(prefill(plan)) if prefill is not None else ""
        Section.objects.create(plan=plan, key=key, title=section_title, order=order, body=body)
    audit_record(action="planning.plan_created", actor=by, obj=plan)
    return plan


@transaction.atomic
def section_save(*, section: Section, body: str, lock_version: int, by: User) -> Section:
    if not _can_draft(by):
        raise PermissionDenied
    _check_open(section.plan)
    _versioned_update(Section, section, lock_version, {"body": clean_html(body)}, by)
    audit_record(action="planning.section_saved", actor=by, obj=section)
    return section


ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "h3",
    "h4",
    "blockquote",
}


def clean_html(body: str) -> str:
    """Narrative text keeps paragraphs, lists, emphasis and tables; nothing executable."""
    return nh3.clean(
        body or "",
        tags=ALLOWED_TAGS,
        attributes={"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
    )


@transaction.atomic
def comment_add(
    *, plan: Plan, by: User, text: str, section: Section | None = None, row: MatrixRow | None = None
) -> Comment:
    if not text.strip():
        raise ValidationError({"text": _("Write the comment.")})
    comment = Comment.objects.create(
        plan=plan, section=section, row=row, author=by, text=text.strip()[:4000]
    )
    audit_record(action="planning.comment", actor=by, obj=comment)
    return comment


def _row_scope_check(*, user: User | None, opd_id: int) -> None:
    if user is None or _can_draft(user):  # None: the system itself (loaders, demo data)
        return
    if not scope_for(user, [Role.OPD]).covers_organisation(opd_id):
        raise PermissionDenied(_("An OPD edits only its own rows."))


@transaction.atomic
def matrix_row_save(
    *,
    plan: Plan,
    by: User | None,
    data: dict[str, Any],
    row: MatrixRow | None = None,
    lock_version: int | None = None,
) -> MatrixRow:
    """Create or update a row of the RAT matrix.

    OPD operators write only rows of their own agency; the drafting team writes any row. An
    update must name the ``lock_version`` it was read at.
    """
    _check_open(plan)
    if plan.kind != PlanKind.RAT:
        raise ValidationError(_("Only a RAT has a matrix of success targets."))
    opd = data.get("opd") or (row.opd if row else None)
    if opd is None:
        raise ValidationError({"opd": _("Choose the responsible OPD.")})
    _row_scope_check(user=by, opd_id=opd.pk)
    if row is not None:
        _row_scope_check(user=by, opd_id=row.opd_id)
    locations = data.pop("locations", None)
    if row is None:
        row = MatrixRow(plan=plan, updated_by=by)
        for key, value in data.items():
            setattr(row, key, value)
        row.full_clean()
        row.save()
    else:
        if lock_version is None:
            raise ValidationError(_("The version of the row being edited is missing."))
        candidate = MatrixRow.objects.get(pk=row.pk)
        for key, value in data.items():
            setattr(candidate, key, value)
        candidate.full_clean()
        fields = {k: getattr(candidate, k if not k.endswith("_id") else k) for k in data}
        fields = {
            (f"{k}_id" if isinstance(v, Model) else k): (v.pk if isinstance(v, Model) else v)
            for k, v in fields.items()
        }
        _versioned_update(MatrixRow, row, lock_version, fields, by)
    if locations is not None:
        row.locations.set(locations)
    audit_record(action="planning.row_saved", actor=by, obj=row)
    return row


@transaction.atomic
def matrix_row_delete(*, row: MatrixRow, by: User) -> None:
    _check_open(row.plan)
    _row_scope_check(user=by, opd_id=row.opd_id)
    audit_record(action="planning.row_deleted", actor=by, obj=row)
    row.delete()


def plan_serialize(plan: Plan) -> dict[str, Any]:
    """The plan's whole content as plain data (for snapshots and comparisons)."""

    def num(v: Decimal | None) -> str | None:
        return None if v is None else format(v.normalize(), "f")

    return {
        "title": plan.title,
        "stage": plan.stage,
        "sections": {s.key: {"title": s.title, "body": s.body} for s in plan.sections.all()},
        "goals": [
            {
                "code": g.code,
                "text": g.text,
                "targets": [
                    {
                        "code": t.code,
                        "indicator": t.indicator,
                        "unit": t.unit,
                        "direction": t.direction,
                        "baseline": num(t.baseline),
                        "values": {str(v.year): num(v.value) for v in t.values.all()},
                    }
                    for t in g.targets.all()
                ],
            }
            for g in plan.goals.all()
        ],
        "strategies": [
            {
                "code": s.code,
                "kind": s.kind,
                "text": s.text,
                "directions": [{"code": d.code, "text": d.text} for d in s.directions.all()],
            }
            for s in plan.strategies.all()
        ],
        "programmes": [
            {
                "code": p.code,
                "name": p.name,
                "klaster": p.klaster,
                "strategy": p.strategy.code,
                "opd": p.opd.acronym or p.opd.name,
                "priority": p.is_priority,
                "budgets": {str(b.year): num(b.amount) for b in p.budgets.all()},
            }
            for p in plan.programmes.select_related("strategy", "opd")
        ],
        "locations": sorted(loc.region_id for loc in plan.locations.all()),
        "risks": [
            {"risk": r.risk, "likelihood": r.likelihood, "mitigation": r.mitigation}
            for r in plan.risks.all()
        ],
        "matrix": {
            r.code: {
                f: (num(getattr(r, f)) if isinstance(getattr(r, f), Decimal) else getattr(r, f))
                for f in MATRIX_FIELDS
            }
            | {
                "opd": r.opd.acronym or r.opd.name,
                "rpkd_programme": r.rpkd_programme.code if r.rpkd_programme else None,
                "locations": sorted(loc.pk for loc in r.locations.all()),
            }
            for r in plan.matrix.select_related("opd", "rpkd_programme").prefetch_related(
                "locations"
            )
        },
    }


@transaction.atomic
def plan_snapshot(*, plan: Plan, by: User | None) -> Snapshot:
    last = plan.snapshots.aggregate(n=Max("number"))["n"] or 0
    snapshot = Snapshot.objects.create(
        plan=plan, stage=plan.stage, number=last + 1, data=plan_serialize(plan), created_by=by
    )
    audit_record(action="planning.snapshot", actor=by, obj=snapshot)
    return snapshot


@transaction.atomic
def plan_stage_finish(*, plan: Plan, by: User) -> Plan:
    """Freeze the current stage as a snapshot and move to the next stage."""
    if not _can_draft(by):
        raise PermissionDenied
    _check_open(plan)
    plan_attach_instance(plan)
    stages = STAGES[PlanKind(plan.kind)]
    index = stages.index(Stage(plan.stage))
    if stages[index + 1] == Stage.ENACTED:
        raise ValidationError(_("Enactment needs the Keputusan Gubernur number and date."))
    plan_snapshot(plan=plan, by=by)
    plan.stage = stages[index + 1]
    plan.save(update_fields=["stage", "updated_at"])
    _complete_drafting_task(plan=plan, by=by)
    return plan


def _complete_bound_task(*, plan: Plan, by: User, screen: str, comment: str) -> None:
    """Work done in the plan screen completes the process task bound to that screen."""
    if plan.instance_id is None:
        return
    task = (
        HumanTask.objects.filter(
            instance_id=plan.instance_id, status=TaskStatus.OPEN, screen=screen
        )
        .order_by("created_at")
        .first()
    )
    if task is not None and task_can_complete(task=task, user=by):
        human_task_complete(task=task, by=by, comment=comment)


def _complete_drafting_task(*, plan: Plan, by: User) -> None:
    _complete_bound_task(
        plan=plan, by=by, screen="planning.plan", comment=_("Stage finished in the plan screen.")
    )


def plan_attach_instance(plan: Plan) -> Plan:
    """Link a plan to its running drafting process when it started after the plan."""
    if plan.instance_id is None and not plan.is_locked:
        instance = plan_instance_for(kind=PlanKind(plan.kind), year=plan.year_start)
        if instance is not None:
            plan.instance = instance
            plan.save(update_fields=["instance", "updated_at"])
    return plan


def on_drafting_task_opened(task: HumanTask, properties: dict[str, str]) -> None:
    """A drafting step opened (first time or after a return): the plan is at that stage."""
    stage = properties.get("plan_stage")
    for plan in Plan.objects.filter(instance_id=task.instance_id):
        if stage and not plan.is_locked and stage in STAGES[PlanKind(plan.kind)]:
            plan.stage = stage
            plan.save(update_fields=["stage", "updated_at"])


def plan_instance_for(*, kind: PlanKind, year: int) -> ProcessInstance | None:
    """The running drafting process of a plan, if one was started (RAT: its plan year)."""
    code = "TKPK-01.02.CFM.01" if kind == PlanKind.RAT else "TKPK-01.01.CFM.01"
    key = "plan_year" if kind == PlanKind.RAT else "period_start"
    for instance in ProcessInstance.objects.filter(
        version__node_id=code, status=InstanceStatus.RUNNING
    ):
        if str(instance.params.get(key)) == str(year):
            return instance
    return None


@transaction.atomic
def plan_enact(*, plan: Plan, decree_number: str, decree_date: date, by: User) -> Plan:
    if scope_for(by, [Role.SEKRETARIAT, Role.BIRO_HUKUM, Role.GUBERNUR]).is_empty:
        raise PermissionDenied
    _check_open(plan)
    if not decree_number.strip():
        raise ValidationError({"decree_number": _("The Keputusan Gubernur number is required.")})
    plan.decree_number = decree_number.strip()
    plan.decree_date = decree_date
    plan.stage = Stage.ENACTED
    plan.full_clean()
    plan.save()
    plan_snapshot(plan=plan, by=by)
    _complete_bound_task(
        plan=plan,
        by=by,
        screen="planning.enact",
        comment=_("Enacted by %(n)s.") % {"n": plan.decree_number},
    )
    audit_record(
        action="planning.enacted", actor=by, obj=plan, detail={"decree": plan.decree_number}
    )
    return plan


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    code: str = ""


def plan_checks(*, plan: Plan) -> list[Finding]:
    """Alignment findings shown before approval (empty when the plan is consistent)."""
    if plan.kind == PlanKind.RPKD:
        return _rpkd_findings(plan)
    rows = list(
        plan.matrix.select_related(
            "rpkd_programme", "rpkd_target", "opd", "parent"
        ).prefetch_related("rpkd_target__values", "locations")
    )
    findings: list[Finding] = []
    for row in rows:
        findings += _row_findings(plan, row)
    return findings + _budget_findings(rows)


def _rpkd_findings(plan: Plan) -> list[Finding]:
    findings: list[Finding] = []
    for goal in plan.goals.prefetch_related("targets"):
        for t in goal.targets.all():
            findings += _indicator_findings(t.code, t.unit, t.direction, t.baseline)
    for loc in plan.locations.select_related("region"):
        if loc.region.level != "kelurahan":
            findings.append(
                Finding("location", _("%(region)s is not a kelurahan.") % {"region": loc.region})
            )
    return findings


def _row_findings(plan: Plan, row: MatrixRow) -> list[Finding]:
    findings: list[Finding] = []
    if row.level == "program" and row.rpkd_programme is None:
        findings.append(
            Finding(
                "alignment",
                _("Programme %(code)s does not trace to an RPKD programme.") % {"code": row.code},
                row.code,
            )
        )
    elif row.level == "program" and row.rpkd_programme.plan_id != plan.rpkd_id:  # type: ignore[union-attr]
        findings.append(
            Finding(
                "alignment",
                _("Programme %(code)s traces to a programme of another RPKD.") % {"code": row.code},
                row.code,
            )
        )
    if row.indicator:
        findings += _indicator_findings(row.code, row.unit, row.direction, row.baseline)
    trajectory = _trajectory_finding(plan, row)
    if trajectory:
        findings.append(trajectory)
    quarters = [row.target_q1, row.target_q2, row.target_q3, row.target_q4]
    complete = row.target is not None and all(q is not None for q in quarters)
    # Quarterly targets are cumulative: the fourth quarter reaches the year's target.
    if complete and row.target_q4 != row.target:
        findings.append(
            Finding(
                "quarters",
                _("%(code)s: the fourth-quarter target differs from the year's target.")
                % {"code": row.code},
                row.code,
            )
        )
    for region in row.locations.all():
        if region.level != "kelurahan":
            findings.append(
                Finding(
                    "location",
                    _("%(code)s: location %(region)s is not a kelurahan.")
                    % {"code": row.code, "region": region},
                    row.code,
                )
            )
    return findings


def _trajectory_finding(plan: Plan, row: MatrixRow) -> Finding | None:
    if row.rpkd_target is None or row.target is None or row.deviation_note.strip():
        return None
    planned = next(
        (v.value for v in row.rpkd_target.values.all() if v.year == plan.year_start), None
    )
    if planned is None:
        return None
    higher = row.rpkd_target.direction == "higher"
    if (higher and row.target >= planned) or (not higher and row.target <= planned):
        return None
    return Finding(
        "trajectory",
        _(
            "%(code)s: the target %(target)s is off the RPKD trajectory (%(planned)s for %(year)s) "
            "and the deviation is not explained."
        )
        % {"code": row.code, "target": row.target, "planned": planned, "year": plan.year_start},
        row.code,
    )


def _budget_findings(rows: list[MatrixRow]) -> list[Finding]:
    by_parent: dict[int, Decimal] = {}
    for row in rows:
        if row.parent_id:
            by_parent[row.parent_id] = by_parent.get(row.parent_id, Decimal(0)) + row.budget
    return [
        Finding(
            "budget",
            _("%(code)s: the budget %(budget)s is not the sum of its rows (%(sum)s).")
            % {"code": row.code, "budget": row.budget, "sum": by_parent[row.pk]},
            row.code,
        )
        for row in rows
        if row.pk in by_parent and by_parent[row.pk] != row.budget
    ]


def _indicator_findings(
    code: str, unit: str, direction: str, baseline: Decimal | None
) -> list[Finding]:
    missing = [
        label
        for label, value in (
            (_("unit"), unit),
            (_("direction"), direction),
            (_("baseline"), baseline),
        )
        if value in ("", None)
    ]
    if not missing:
        return []
    return [
        Finding(
            "indicator",
            _("%(code)s: the indicator has no %(missing)s.")
            % {"code": code, "missing": ", ".join(str(m) for m in missing)},
            code,
        )
    ]


def plan_budget_by_opd(*, plan: Plan) -> dict[str, Decimal]:
    """Total budget of the top-level rows per OPD."""
    totals: dict[str, Decimal] = {}
    for row in plan.matrix.filter(parent__isnull=True).select_related("opd"):
        key = row.opd.acronym or row.opd.name
        totals[key] = totals.get(key, Decimal(0)) + row.budget
    return totals


def years_check(plan: Plan, years: Any) -> None:
    outside = sorted(y for y in years if y not in plan.years)
    if outside:
        raise ValidationError(
            _("%(years)s is outside the plan period (%(start)s–%(end)s).")
            % {
                "years": ", ".join(str(y) for y in outside),
                "start": plan.year_start,
                "end": plan.year_end,
            }
        )


def kelurahan_check(locations: list[Region]) -> None:
    wrong = [r for r in locations if r.level != Level.KELURAHAN]
    if wrong:
        raise ValidationError(
            _("Priority locations are kelurahan; these are not: %(regions)s")
            % {"regions": ", ".join(f"{r.pk} {r.name}" for r in wrong)}
        )


def programme_refs_check(plan: Plan, strategy: Strategy, opd: Organisation) -> None:
    if strategy.plan_id != plan.pk:
        raise ValidationError({"strategy": _("The strategy belongs to another plan.")})
    if not opd.is_active:
        raise ValidationError({"opd": _("The OPD is no longer active.")})


# --- RPKD content -------------------------------------------------------------------------------


def _draft_check(plan: Plan, by: User | None) -> None:
    if by is not None and not _can_draft(by):
        raise PermissionDenied
    _check_open(plan)


@transaction.atomic
def goal_create(*, plan: Plan, code: str, text: str, by: User | None = None) -> Goal:
    _draft_check(plan, by)
    goal = Goal(plan=plan, code=code, text=text, updated_by=by)
    goal.full_clean()
    goal.save()
    audit_record(action="planning.goal_created", actor=by, obj=goal)
    return goal


@transaction.atomic
def target_create(
    *,
    goal: Goal,
    code: str,
    indicator: str,
    unit: str,
    direction: str,
    baseline: Decimal,
    baseline_year: int,
    values: dict[int, Decimal],
    by: User | None = None,
) -> Target:
    _draft_check(goal.plan, by)
    target = Target(
        goal=goal,
        code=code,
        indicator=indicator,
        unit=unit,
        direction=direction,
        baseline=baseline,
        baseline_year=baseline_year,
        updated_by=by,
    )
    years_check(goal.plan, values)
    target.full_clean()
    target.save()
    for year, value in values.items():
        TargetValue.objects.create(target=target, year=year, value=value)
    audit_record(action="planning.target_created", actor=by, obj=target)
    return target


@transaction.atomic
def strategy_create(
    *,
    plan: Plan,
    code: str,
    kind: str,
    text: str,
    directions: list[str] | None = None,
    by: User | None = None,
) -> Strategy:
    _draft_check(plan, by)
    strategy = Strategy(plan=plan, code=code, kind=kind, text=text, updated_by=by)
    strategy.full_clean()
    strategy.save()
    for n, direction in enumerate(directions or [], start=1):
        PolicyDirection.objects.create(strategy=strategy, code=f"{code}.{n}", text=direction)
    audit_record(action="planning.strategy_created", actor=by, obj=strategy)
    return strategy


@transaction.atomic
def programme_create(
    *,
    plan: Plan,
    code: str,
    name: str,
    klaster: int,
    strategy: Strategy,
    opd: Organisation,
    budgets: dict[int, Decimal],
    is_priority: bool = False,
    locations: list[Region] | None = None,
    by: User | None = None,
) -> Programme:
    _draft_check(plan, by)
    programme_refs_check(plan, strategy, opd)
    years_check(plan, budgets)
    kelurahan_check(locations or [])
    programme = Programme(
        plan=plan,
        code=code,
        name=name,
        klaster=klaster,
        strategy=strategy,
        opd=opd,
        is_priority=is_priority,
        updated_by=by,
    )
    programme.full_clean()
    programme.save()
    for year, amount in budgets.items():
        ProgrammeBudget.objects.create(programme=programme, year=year, amount=amount)
    for region in locations or []:
        PriorityLocation.objects.create(plan=plan, programme=programme, region=region)
    audit_record(action="planning.programme_created", actor=by, obj=programme)
    return programme


@transaction.atomic
def risk_create(*, plan: Plan, by: User | None = None, **fields: Any) -> Risk:
    _draft_check(plan, by)
    risk = Risk(plan=plan, updated_by=by, **fields)
    risk.full_clean()
    risk.save()
    audit_record(action="planning.risk_created", actor=by, obj=risk)
    return risk


def _copy(obj: Any, **changes: Any) -> Any:
    """A new row with the same field values (primary key cleared)."""
    obj.pk = None
    obj._state.adding = True
    if hasattr(obj, "lock_version"):
        obj.lock_version = 0
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.save()
    return obj


@transaction.atomic
def plan_amend(*, plan: Plan, by: User, title: str = "") -> Plan:  # noqa: PLR0912 (one loop per kind of content)
    """Start an amendment of an enacted plan: a new draft with a copy of all its content.

    The enacted plan stays as it is (and stays the one in force) until the amendment is enacted.
    """
    if scope_for(by, [Role.SEKRETARIAT]).is_empty:
        raise PermissionDenied
    if not plan.is_locked:
        raise ValidationError(_("Only an enacted plan is amended; a draft is simply edited."))
    stages = STAGES[PlanKind(plan.kind)]
    draft = Plan.objects.get(pk=plan.pk)
    draft = _copy(
        draft,
        title=title or _("%(title)s (perubahan)") % {"title": plan.title},
        stage=stages[-3],
        amends=plan,
        decree_number="",
        decree_date=None,
        instance=None,
    )
    for section in plan.sections.all():
        _copy(section, plan=draft)
    for goal in plan.goals.prefetch_related("targets__values"):
        targets = list(goal.targets.all())
        new_goal = _copy(goal, plan=draft)
        for target in targets:
            values = list(target.values.all())
            new_target = _copy(target, goal=new_goal)
            for value in values:
                _copy(value, target=new_target)
    strategy_map: dict[int, Strategy] = {}
    for strategy in plan.strategies.prefetch_related("directions"):
        old_pk, directions = strategy.pk, list(strategy.directions.all())
        strategy_map[old_pk] = _copy(strategy, plan=draft)
        for direction in directions:
            _copy(direction, strategy=strategy_map[old_pk])
    programme_map: dict[int, Programme] = {}
    for programme in plan.programmes.prefetch_related("budgets", "locations"):
        old_pk = programme.pk
        budgets, locations = list(programme.budgets.all()), list(programme.locations.all())
        programme_map[old_pk] = _copy(
            programme, plan=draft, strategy=strategy_map[programme.strategy_id]
        )
        for budget in budgets:
            _copy(budget, programme=programme_map[old_pk])
        for loc in locations:
            _copy(loc, plan=draft, programme=programme_map[old_pk])
    for loc in plan.locations.filter(programme__isnull=True):
        _copy(loc, plan=draft)
    for risk in plan.risks.all():
        _copy(risk, plan=draft)
    row_map: dict[int, MatrixRow] = {}
    pending = list(plan.matrix.order_by("code").prefetch_related("locations"))
    while pending:  # parents before their children, whatever the database's NULL ordering
        ready = [r for r in pending if r.parent_id is None or r.parent_id in row_map]
        if not ready:
            raise ValidationError(_("The matrix has rows whose parent is missing."))
        pending = [r for r in pending if r not in ready]
        for row in ready:
            old_pk, regions = row.pk, list(row.locations.all())
            parent = row_map.get(row.parent_id) if row.parent_id else None
            row_map[old_pk] = _copy(row, plan=draft, parent=parent)
            row_map[old_pk].locations.set(regions)
    audit_record(
        action="planning.amendment_started", actor=by, obj=draft, detail={"amends": plan.pk}
    )
    return draft
