from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tkpk.core.roles import Role

# PermenPANRB 19/2018 map codes: TKPK, TKPK-01, TKPK-01.01, TKPK-01.01.CFM.01, ….SOP.01
PROCESS_CODE_RE = re.compile(r"^TKPK(-\d{2}(\.\d{2}(\.CFM\.\d{2}(\.SOP\.\d{2})?)?)?)?$")


def validate_process_code(value: str) -> None:
    if not PROCESS_CODE_RE.match(value):
        raise ValidationError(
            _("%(code)s is not a process map code (e.g. TKPK-01.02.CFM.01)."),
            params={"code": value},
            code="invalid_process_code",
        )


def level_for_process_code(code: str) -> int:
    """0 for the business process, 1–2 for subprocesses, 3 for a CFM, 4 for an SOP."""
    if ".SOP." in code:
        return 4
    if ".CFM." in code:
        return 3
    if code == "TKPK":
        return 0
    return 1 if "." not in code else 2


def parent_code_for(code: str) -> str | None:
    if code == "TKPK":
        return None
    if ".SOP." in code:
        return code.rsplit(".SOP.", 1)[0]
    if ".CFM." in code:
        return code.rsplit(".CFM.", 1)[0]
    if "." in code:
        return code.rsplit(".", 1)[0]
    return "TKPK"


class NodeKind(models.TextChoices):
    PROCESS = "process", _("Business process")
    SUBPROCESS = "subprocess", _("Subprocess")
    CFM = "cfm", _("Cross-functional map")
    SOP = "sop", _("SOP")


class NodeSource(models.TextChoices):
    DECREE = "decree", _("Defined by the decree")
    RECONSTRUCTED = "reconstructed", _("Reconstructed")


class ProcessNode(models.Model):
    """One node of the business-process map hierarchy (the catalogue)."""

    code = models.CharField(
        _("code"), max_length=40, primary_key=True, validators=[validate_process_code]
    )
    name = models.CharField(_("name"), max_length=250)
    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    source = models.CharField(
        _("source"), max_length=20, choices=NodeSource.choices, default=NodeSource.DECREE
    )
    notes = models.JSONField(_("notes (keterangan)"), default=list, blank=True)
    references = models.JSONField(_("legal references"), default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("process map")
        verbose_name_plural = _("process maps")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        validate_process_code(self.code)
        if self.level != level_for_process_code(self.code):
            raise ValidationError({"level": _("The level does not match the code.")})
        if (self.parent_id or None) != parent_code_for(self.code):
            raise ValidationError({"parent": _("The parent does not match the code.")})


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ProcessVersion(models.Model):
    """One version of a CFM's BPMN diagram. Published versions are numbered and immutable."""

    node = models.ForeignKey(
        ProcessNode,
        verbose_name=_("process map"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    bpmn_xml = models.TextField(_("BPMN"))
    process_id = models.CharField(_("BPMN process id"), max_length=200)
    change_note = models.TextField(_("change note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["node", "-number", "-created_at"]
        verbose_name = _("process map version")
        verbose_name_plural = _("process map versions")
        constraints = [
            models.UniqueConstraint(fields=["node", "number"], name="processversion_unique_number"),
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True)
                | models.Q(status="published", number__isnull=False),
                name="processversion_number_when_published",
            ),
        ]

    def __str__(self) -> str:
        label = f"v{self.number}" if self.number else str(_("draft"))
        return f"{self.node_id} {label}"


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ProcessInstance(models.Model):
    """One run of a CFM (e.g. "RAT 2027"), pinned to the version it started with."""

    version = models.ForeignKey(
        ProcessVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="instances",
    )
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict)
    state = models.TextField(_("engine state"))
    status = models.CharField(
        _("status"), max_length=20, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    milestones = models.JSONField(_("deadline calendar"), default=list)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class HumanTask(models.Model):
    """A waiting user task of an instance, as inboxes read it (never from the engine)."""

    instance = models.ForeignKey(
        ProcessInstance,
        verbose_name=_("instance"),
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    engine_task_id = models.CharField(max_length=64, db_index=True)
    step = models.CharField(_("step"), max_length=200)
    name = models.CharField(_("name"), max_length=250)
    lane = models.CharField(_("lane"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="process_tasks",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="process_tasks",
    )
    screen = models.CharField(_("screen"), max_length=100, default="generic")
    decision_required = models.BooleanField(_("needs a decision"), default=False)
    due_date = models.DateField(_("due"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=TaskStatus.choices,
        default=TaskStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["due_date", "created_at"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["status", "role"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.instance})"


def task_attachment_path(instance: TaskAttachment, filename: str) -> str:
    return f"tasks/{instance.task.instance_id}/{instance.task_id}/{filename}"


class TaskAttachment(models.Model):
    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=task_attachment_path)
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class InstanceEvent(models.Model):
    """The timeline of an instance: who did what, when."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=40)
    task = models.ForeignKey(HumanTask, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.CharField(max_length=300)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.message


class Notification(models.Model):
    """An in-app message (also sent by e-mail). One per (task, kind, user): no duplicates."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    task = models.ForeignKey(
        HumanTask, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "user"], name="notification_once"),
        ]

    def __str__(self) -> str:
        return self.message
