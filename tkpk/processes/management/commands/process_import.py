from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.processes.engine import DiagramError
from tkpk.processes.management.commands._common import user_by_name
from tkpk.processes.models import ProcessNode
from tkpk.processes.services import process_version_create


class Command(BaseCommand):
    help = "Import a .bpmn as a new version of a CFM (validated like the upload page)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true")
        parser.add_argument("--note", default="")
        parser.add_argument("--as", dest="username", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        node = ProcessNode.objects.filter(pk=options["code"], kind="cfm").first()
        if node is None:
            raise CommandError(f"{options['code']} is not a cross-functional map")
        by = user_by_name(options["username"]) if options["username"] else None
        try:
            version = process_version_create(
                node=node,
                xml=options["file"].read_text(encoding="utf-8"),
                by=by,
                change_note=options["note"],
                publish=options["publish"],
            )
        except DiagramError as exc:
            raise CommandError("the map was not imported:\n- " + "\n- ".join(exc.problems)) from exc
        state = f"published as v{version.number}" if version.number else "kept as a draft"
        self.stdout.write(f"{node.code}: {state} (id {version.pk})")
