from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tkpk.processes.models import HumanTask, TaskStatus


class Command(BaseCommand):
    help = "List open tasks (of one instance, or all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--instance", type=int)
        parser.add_argument("--all", action="store_true", help="include finished tasks")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        tasks = HumanTask.objects.select_related("organisation", "instance").order_by("id")
        if options["instance"]:
            tasks = tasks.filter(instance_id=options["instance"])
        if not options["all"]:
            tasks = tasks.filter(status=TaskStatus.OPEN)
        rows = [
            {
                "id": t.pk,
                "instance": t.instance_id,
                "step": t.step,
                "name": t.name,
                "lane": t.lane,
                "role": t.role,
                "organisation": t.organisation.acronym if t.organisation else None,
                "region": t.region_id,
                "due": t.due_date.isoformat() if t.due_date else None,
                "status": t.status,
                "decision_required": t.decision_required,
            }
            for t in tasks
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            scope = r["organisation"] or r["region"] or ""
            self.stdout.write(
                f"{r['id']:>5}  {r['due'] or '-':<10}  {r['lane']:<22} {scope:<16} {r['name']}"
            )
