from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tkpk.monitoring.selectors import monitoring_board


class Command(BaseCommand):
    help = "Print the quarterly reporting board of a year (OPD × quarter), as a table or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        board = monitoring_board(year=options["year"])
        if options["json"]:
            self.stdout.write(json.dumps(board, ensure_ascii=False, indent=2))
            return
        if not board:
            self.stdout.write(f"No published instrument for {options['year']}.")
            return
        self.stdout.write(
            f"{'OPD':<20} {'TW':>2}  {'state':<12} {'late':<5} {'rows':>4}  submitted"
        )
        for e in board:
            self.stdout.write(
                f"{e['opd'][:20]:<20} {e['quarter']:>2}  {e['state']:<12} "
                f"{'yes' if e['late'] else '':<5} {e['rows']:>4}  {e['submitted_at'] or ''}"
            )
