from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, OrganisationKind, User
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.processes import expressions
from tkpk.processes.engine import DiagramError, EngineTask, WorkflowRuntime
from tkpk.processes.lanes import SUPERVISOR, role_for_lane
from tkpk.processes.models import (
    HumanTask,
    InstanceEvent,
    InstanceStatus,
    Notification,
    ProcessInstance,
    ProcessNode,
    ProcessVersion,
    TaskAttachment,
    TaskStatus,
    VersionStatus,
    level_for_process_code,
)
from tkpk.processes.screens import task_opened
from tkpk.processes.validation import validate_bpmn
from tkpk.regions.models import Level, Region

CATALOGUE_JSON = Path(__file__).resolve().parent / "data" / "catalogue.json"
BPMN_DIR = Path(__file__).resolve().parent / "bpmn"
DATE_PARAMS = {"election_date", "inauguration_date", "started"}
INT_PARAMS = {"plan_year", "year", "quarter", "period_start", "period_end"}


@transaction.atomic
def catalogue_load(*, path: Path = CATALOGUE_JSON) -> int:
    """Create or update every catalogue node from the shipped file; returns the node count.

    The file is validated as a whole (code grammar, level, parent) before anything is kept.
    """
    entries = json.loads(path.read_text(encoding="utf-8"))
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        code = entry["code"]
        node = ProcessNode.objects.filter(pk=code).first() or ProcessNode(code=code)
        node.name = entry["name"]
        node.kind = entry["kind"]
        node.level = level_for_process_code(code)
        node.parent_id = entry.get("parent")
        node.source = entry.get("source", "decree")
        node.notes = list(entry.get("notes", []))
        node.references = list(entry.get("references", []))
        if node.parent_id and node.parent_id not in seen:
            raise ValidationError(f"{path.name} entry {index} ({code}): parent must come first")
        try:
            node.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(f"{path.name} entry {index} ({code}): {exc.messages}") from exc
        node.save()
        seen.add(code)
    return len(seen)


# --- versions ---------------------------------------------------------------------------------


@transaction.atomic
def process_version_create(
    *, node: ProcessNode, xml: str, by: User | None, change_note: str = "", publish: bool = False
) -> ProcessVersion:
    """Validate a diagram and keep it as a draft (or publish it straight away).

    Raises DiagramError with the problems in plain language; nothing is stored then.
    """
    if node.kind != "cfm":
        raise DiagramError([f"{node.code} is not a cross-functional map"])
    parsed = validate_bpmn(xml)
    version = ProcessVersion(
        node=node,
        bpmn_xml=xml,
        process_id=parsed.process_id,
        change_note=change_note,
        author=by,
    )
    version.full_clean(exclude=["number"])
    version.save()
    audit_record(action="process.version_created", actor=by, obj=version)
    if publish:
        version = process_version_publish(version=version, by=by)
    return version


@transaction.atomic
def process_version_publish(*, version: ProcessVersion, by: User | None) -> ProcessVersion:
    version = ProcessVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.PUBLISHED:
        return version
    ProcessNode.objects.select_for_update().filter(pk=version.node_id).first()
    last = ProcessVersion.objects.filter(node=version.node_id).aggregate(n=Max("number"))["n"]
    version.number = (last or 0) + 1
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version.save()
    audit_record(action="process.version_published", actor=by, obj=version)
    return version


def process_version_current(*, node: ProcessNode) -> ProcessVersion | None:
    return (
        ProcessVersion.objects.filter(node=node, status=VersionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


@transaction.atomic
def process_maps_load(*, directory: Path = BPMN_DIR) -> int:
    """Publish the shipped BPMN of every CFM that has no published version yet."""
    loaded = 0
    for path in sorted(directory.glob("*.bpmn")):
        node = ProcessNode.objects.filter(pk=path.stem).first()
        if node is None or process_version_current(node=node) is not None:
            continue
        process_version_create(
            node=node,
            xml=path.read_text(encoding="utf-8"),
            by=None,
            change_note="Peta awal dari Kepsekda 70/2024",
            publish=True,
        )
        loaded += 1
    return loaded


# --- parameters and deadlines ------------------------------------------------------------------


def instance_params_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Turn user-supplied parameters into typed values; unknown keys are kept as text."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if value in (None, ""):
            continue
        try:
            if key in DATE_PARAMS:
                params[key] = value if isinstance(value, date) else date.fromisoformat(str(value))
            elif key in INT_PARAMS:
                params[key] = int(value)
            else:
                params[key] = value
        except ValueError as exc:
            raise ValidationError(f"parameter {key}: {value!r} is not valid") from exc
    if isinstance(params.get("opds"), str):
        params["opds"] = [a.strip() for a in params["opds"].split(",") if a.strip()]
    if "quarter" in params and params["quarter"] not in (1, 2, 3, 4):
        raise ValidationError("parameter quarter: must be 1–4")
    return params


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}


def _typed_params(stored: dict[str, Any]) -> dict[str, Any]:
    return instance_params_clean(stored)


@dataclass(frozen=True)
class Milestone:
    step: str
    name: str
    lane: str
    due: date
    window_start: date | None


def deadline_calendar(*, xml: str, params: dict[str, Any]) -> list[Milestone]:
    """Every step of the map with a deadline rule, with the date computed for these parameters.

    A rule that needs a parameter the instance lacks is left out (it has no date yet).
    """
    parsed = validate_bpmn(xml)
    milestones: list[Milestone] = []
    for task in parsed.user_tasks:
        rule = task.properties.get("deadline")
        if not rule:
            continue
        try:
            due = expressions.evaluate_deadline(rule, params)
            window = task.properties.get("window_start")
            start = expressions.evaluate_deadline(window, params) if window else None
        except expressions.ExpressionError:
            continue
        milestones.append(Milestone(task.id, task.name, task.lane, due, start))
    return sorted(milestones, key=lambda m: m.due)


def _due_for(task: EngineTask, params: dict[str, Any]) -> date | None:
    rule = task.properties.get("deadline")
    if not rule:
        return None
    try:
        return expressions.evaluate_deadline(rule, params)
    except expressions.ExpressionError:
        return None


# --- instances and tasks ------------------------------------------------------------------------


def _event(
    instance: ProcessInstance,
    kind: str,
    message: str,
    *,
    actor: User | None = None,
    task: HumanTask | None = None,
) -> None:
    InstanceEvent.objects.create(
        instance=instance, kind=kind, message=message[:300], actor=actor, task=task
    )


def _assignees(task: EngineTask, params: dict[str, Any]) -> list[dict[str, Any]]:
    each = task.properties.get("assign_each", "")
    if each == "opd":
        opds = Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True)
        if params.get("opds"):
            opds = opds.filter(acronym__in=list(params["opds"]))
        return [{"organisation": o} for o in opds.order_by("name")]
    if each == "kota":
        return [{"region": r} for r in Region.objects.filter(level=Level.KABUPATEN_KOTA)]
    if role_for_lane(task.lane) == Role.OPD and params.get("opd"):
        # An instance started on behalf of one agency (e.g. its data request): its OPD steps
        # are that agency's.
        org = Organisation.objects.filter(kind=OrganisationKind.OPD, acronym=params["opd"]).first()
        if org is None:
            raise ValidationError(f"parameter opd: unknown OPD {params['opd']!r}")
        return [{"organisation": org}]
    return [{}]


def _sync_tasks(instance: ProcessInstance, runtime: WorkflowRuntime) -> list[HumanTask]:
    """Make the open HumanTask rows match the engine's ready tasks (one per assignee)."""
    params = _typed_params(instance.params)
    parsed = validate_bpmn(instance.version.bpmn_xml)
    decision_steps = parsed.decision_steps()
    # Step properties as the map states them, whatever the modeler's extension namespace
    # (spiffworkflow:, camunda: …); the engine only reads its own namespace.
    step_properties = {a.id: a.properties for a in parsed.activities}
    ready = {
        t.id: replace(t, properties={**t.properties, **step_properties.get(t.step, {})})
        for t in runtime.ready_tasks()
    }
    open_rows = list(instance.tasks.filter(status=TaskStatus.OPEN))
    for row in open_rows:
        if row.engine_task_id not in ready:
            row.status = TaskStatus.CANCELLED
            row.save(update_fields=["status"])
    known = set(instance.tasks.values_list("engine_task_id", flat=True))
    created: list[HumanTask] = []
    for task in ready.values():
        if task.id in known:
            continue
        role = role_for_lane(task.lane)
        if role is None:
            raise DiagramError([f"lane '{task.lane}' is not a known role"])
        for assignee in _assignees(task, params):
            row = HumanTask.objects.create(
                instance=instance,
                engine_task_id=task.id,
                step=task.step,
                name=task.name,
                lane=task.lane,
                role=role,
                screen=task.properties.get("screen", "generic"),
                decision_required=task.step in decision_steps,
                due_date=_due_for(task, params),
                **assignee,
            )
            created.append(row)
            task_opened(row, task.properties)
            _event(
                instance,
                "task_opened",
                f"{row.name}" + (f" — {row.organisation}" if row.organisation else ""),
                task=row,
            )
    return created


@transaction.atomic
def process_instance_start(
    *, code: str, params: dict[str, Any], by: User | None, title: str = ""
) -> ProcessInstance:
    node = ProcessNode.objects.filter(pk=code, kind="cfm").first()
    if node is None:
        raise ValidationError(f"{code} is not a cross-functional map")
    version = process_version_current(node=node)
    if version is None:
        raise ValidationError(f"{code} has no published version")
    typed = instance_params_clean(params)
    typed.setdefault("started", timezone.localdate())
    try:
        runtime = WorkflowRuntime.start(version.bpmn_xml, data=_json_params(typed))
    except DiagramError as exc:
        raise ValidationError(
            [f"{p} (check the parameters of this map)" for p in exc.problems]
        ) from exc
    milestones = deadline_calendar(xml=version.bpmn_xml, params=typed)
    instance = ProcessInstance.objects.create(
        version=version,
        title=title or _default_title(node, typed),
        params=_json_params(typed),
        state=runtime.serialize(),
        started_by=by,
        milestones=[
            {
                "step": m.step,
                "name": m.name,
                "lane": m.lane,
                "due": m.due.isoformat(),
                "window_start": m.window_start.isoformat() if m.window_start else None,
            }
            for m in milestones
        ],
    )
    _event(instance, "started", f"Dimulai: {instance.title} (versi {version.number})", actor=by)
    _sync_tasks(instance, runtime)
    audit_record(action="process.instance_started", actor=by, obj=instance)
    return instance


def _default_title(node: ProcessNode, params: dict[str, Any]) -> str:
    for key in ("plan_year", "year"):
        if key in params:
            suffix = f" {params[key]}"
            if "quarter" in params:
                suffix += f" TW{params['quarter']}"
            return f"{node.name}{suffix}"
    if "period_start" in params:
        return f"{node.name} {params['period_start']}–{params.get('period_end', '')}"
    return node.name


def task_can_complete(*, task: HumanTask, user: Any) -> bool:
    scope = scope_for(user, [Role(task.role)])
    if scope.is_empty:
        return False
    if task.organisation_id is not None:
        return scope.covers_organisation(task.organisation_id)
    if task.region_id is not None:
        return scope.covers_region(task.region_id)
    return True


@transaction.atomic
def human_task_complete(
    *,
    task: HumanTask,
    by: User,
    decision: str = "",
    comment: str = "",
    files: list[UploadedFile[bytes]] | None = None,
) -> HumanTask:
    """Complete a task for its lane; the engine advances when every assignee has finished."""
    return _task_complete(
        task=task, by=by, decision=decision, comment=comment, files=files, system=False
    )


@transaction.atomic
def human_task_close_by_system(
    *, task: HumanTask, reason: str, decision: str = "", by: User | None = None
) -> HumanTask:
    """Close a task the domain has settled without its lane (e.g. a late OPD's report step when
    the period locks): recorded as such, with the reason; `by` is who triggered it, if anyone."""
    return _task_complete(
        task=task, by=by, decision=decision, comment=reason, files=None, system=True
    )


def _task_complete(
    *,
    task: HumanTask,
    by: User | None,
    decision: str,
    comment: str,
    files: list[UploadedFile[bytes]] | None,
    system: bool,
) -> HumanTask:
    instance = ProcessInstance.objects.select_for_update().get(pk=task.instance_id)
    task = HumanTask.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.OPEN or instance.status != InstanceStatus.RUNNING:
        raise ValidationError(_("This task is no longer open."))
    if not system and (by is None or not task_can_complete(task=task, user=by)):
        raise PermissionDenied(_("This task belongs to another lane or scope."))
    if task.decision_required and decision not in ("approve", "return"):
        raise ValidationError(_("Choose approve or return."))
    if decision == "return" and not comment.strip():
        raise ValidationError(_("Say why the draft is returned."))
    task.status = TaskStatus.COMPLETED
    task.completed_by = by
    task.completed_at = timezone.now()
    task.decision = decision if task.decision_required else ""
    task.comment = comment
    task.save()
    for upload in files or []:
        TaskAttachment.objects.create(
            task=task, file=upload, name=(upload.name or "lampiran")[:200], uploaded_by=by
        )
    verb = {"approve": "disetujui", "return": "dikembalikan"}.get(task.decision, "selesai")
    if system:
        verb = f"ditutup oleh sistem ({comment})"
    _event(instance, "task_completed", f"{task.name}: {verb}", actor=by, task=task)
    siblings_open = instance.tasks.filter(
        engine_task_id=task.engine_task_id, status=TaskStatus.OPEN
    ).exists()
    if not siblings_open:
        runtime = WorkflowRuntime.restore(instance.state)
        try:
            runtime.complete(task.engine_task_id, {"decision": task.decision, "comment": comment})
        except DiagramError as exc:
            raise ValidationError(exc.problems) from exc
        instance.state = runtime.serialize()
        if runtime.is_completed:
            instance.status = InstanceStatus.COMPLETED
            instance.completed_at = timezone.now()
            _event(instance, "completed", "Proses selesai", actor=by)
        instance.save()
        _sync_tasks(instance, runtime)
    audit_record(
        action="process.task_closed_by_system" if system else "process.task_completed",
        actor=by,
        obj=task,
        detail={"decision": task.decision},
    )
    return task


# --- reminders and escalation ------------------------------------------------------------------


def _recipients(task: HumanTask, role: Role) -> list[User]:
    users = User.objects.filter(
        is_active=True, memberships__is_active=True, memberships__role=role
    ).distinct()
    if role == task.role and task.organisation_id:
        users = users.filter(memberships__organisation_id=task.organisation_id)
    return list(users)


def _notify(task: HumanTask, kind: str, users: list[User], message: str) -> int:
    sent = 0
    for user in users:
        _obj, created = Notification.objects.get_or_create(
            task=task, kind=kind, user=user, defaults={"message": message[:300]}
        )
        if created:
            sent += 1
            if user.email:
                transaction.on_commit(_mailer(user.email, message))
    return sent


def _mailer(address: str, message: str) -> Callable[[], None]:
    def send() -> None:
        send_mail(
            "TKPK: " + message[:120],
            message,
            settings.DEFAULT_FROM_EMAIL,
            [address],
            fail_silently=True,
        )

    return send


@dataclass
class TickResult:
    instances: int = 0
    reminders: int = 0
    escalations: int = 0


@transaction.atomic
def process_tick(*, now: datetime | None = None) -> TickResult:
    """Fire engine timers, then remind before due dates and escalate after them (once each)."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    result = TickResult()
    for instance in ProcessInstance.objects.select_for_update().filter(
        status=InstanceStatus.RUNNING
    ):
        runtime = WorkflowRuntime.restore(instance.state)
        before = {t.id for t in runtime.ready_tasks()}
        runtime.advance()
        if {t.id for t in runtime.ready_tasks()} != before:
            instance.state = runtime.serialize()
            instance.save(update_fields=["state"])
            _sync_tasks(instance, runtime)
        result.instances += 1
    reminder_days = sorted(settings.TKPK_REMINDER_DAYS, reverse=True)
    for task in HumanTask.objects.filter(status=TaskStatus.OPEN, due_date__isnull=False):
        days_left = (task.due_date - today).days if task.due_date else 0
        if days_left < 0:
            supervisor = SUPERVISOR.get(Role(task.role), Role.SEKRETARIAT)
            msg = f"Terlambat: {task.name} ({task.instance}) jatuh tempo {task.due_date:%d-%m-%Y}"
            # Nobody in the supervising role yet: the secretariat still has to know.
            recipients = _recipients(task, supervisor) or _recipients(task, Role.SEKRETARIAT)
            n = _notify(task, "escalation", recipients, msg)
            if n:
                result.escalations += 1
                _event(task.instance, "escalation", msg, task=task)
            continue
        due_days = [d for d in reminder_days if days_left <= d]
        if not due_days:
            continue
        kind = f"reminder_{min(due_days)}"
        msg = f"Pengingat: {task.name} ({task.instance}) jatuh tempo {task.due_date:%d-%m-%Y}"
        n = _notify(task, kind, _recipients(task, Role(task.role)), msg)
        if n:
            result.reminders += 1
            _event(task.instance, "reminder", msg, task=task)
    return result


def notification_mark_read(*, notification: Notification, by: User) -> None:
    if notification.user_id == by.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


@transaction.atomic
def process_instance_cancel(
    *, instance: ProcessInstance, by: User | None, reason: str
) -> ProcessInstance:
    """Stop a running instance: its open tasks are cancelled and the reason is on its timeline."""
    instance = ProcessInstance.objects.select_for_update().get(pk=instance.pk)
    if instance.status != InstanceStatus.RUNNING:
        raise ValidationError(_("This process is no longer running."))
    instance.tasks.filter(status=TaskStatus.OPEN).update(status=TaskStatus.CANCELLED)
    instance.status = InstanceStatus.CANCELLED
    instance.completed_at = timezone.now()
    instance.save(update_fields=["status", "completed_at"])
    _event(instance, "cancelled", f"Dibatalkan: {reason}", actor=by)
    audit_record(
        action="process.instance_cancelled", actor=by, obj=instance, detail={"reason": reason[:300]}
    )
    return instance
