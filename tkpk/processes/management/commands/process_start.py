from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.processes.engine import DiagramError
from tkpk.processes.management.commands._common import parse_params, user_by_name
from tkpk.processes.services import process_instance_start


class Command(BaseCommand):
    help = "Start an instance of a CFM and print its deadline calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="e.g. TKPK-01.02.CFM.01")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="plan_year, period_start, period_end, election_date, "
            "inauguration_date, year, quarter",
        )
        parser.add_argument("--as", dest="username", default="", help="who starts it")
        parser.add_argument("--title", default="")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        by = user_by_name(options["username"]) if options["username"] else None
        try:
            instance = process_instance_start(
                code=options["code"],
                params=parse_params(options["param"]),
                by=by,
                title=options["title"],
            )
        except (ValidationError, DiagramError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", None) or [str(exc)])) from exc
        milestones = [
            {"step": m["step"], "name": m["name"], "lane": m["lane"], "due": m["due"]}
            for m in instance.milestones
        ]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"instance": instance.pk, "milestones": milestones},
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        self.stdout.write(f"instance {instance.pk}: {instance.title}")
        for m in milestones:
            self.stdout.write(f"  {m['due']}  {m['lane']:<24} {m['name']}")
