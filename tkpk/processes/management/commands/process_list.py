from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tkpk.processes.models import ProcessNode
from tkpk.processes.services import process_version_current


class Command(BaseCommand):
    help = "List the process catalogue with the published version of each CFM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = []
        for node in ProcessNode.objects.order_by("code"):
            version = process_version_current(node=node) if node.kind == "cfm" else None
            rows.append(
                {
                    "code": node.code,
                    "name": node.name,
                    "kind": node.kind,
                    "level": node.level,
                    "version": version.number if version else None,
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            label = f"v{r['version']}" if r["version"] else ""
            indent = "  " * int(str(r["level"]))
            self.stdout.write(f"{indent}{r['code']:<20} {label:<4} {r['name']}")
