from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.processes.engine import DiagramError
from tkpk.processes.management.commands._common import user_by_name
from tkpk.processes.models import HumanTask
from tkpk.processes.services import human_task_complete


class Command(BaseCommand):
    help = "Complete a task as a user (the same role and scope checks as the task screen)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("task_id", type=int)
        parser.add_argument("--as", dest="username", required=True)
        parser.add_argument("--decision", choices=["approve", "return"], default="")
        parser.add_argument("--comment", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        task = HumanTask.objects.filter(pk=options["task_id"]).first()
        if task is None:
            raise CommandError(f"no task {options['task_id']}")
        try:
            human_task_complete(
                task=task,
                by=user_by_name(options["username"]),
                decision=options["decision"],
                comment=options["comment"],
            )
        except PermissionDenied as exc:
            raise CommandError(f"refused: {exc}") from exc
        except (ValidationError, DiagramError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", None) or [str(exc)])) from exc
        self.stdout.write(f"task {task.pk} completed")
