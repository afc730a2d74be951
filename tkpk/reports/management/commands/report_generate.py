"""./dev manage report_generate quarterly|ppke|lp2kd --year YEAR [--quarter Q] --out DIR"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.reports.models import QUARTERLY_KINDS, ReportKind
from tkpk.reports.services import report_files_write


class Command(BaseCommand):
    help = "Write a report's DOCX and PDF into a directory (synchronously)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in ReportKind])
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--recommendations", default="", help="LP2KD recommendations text")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        if kind in QUARTERLY_KINDS and not options["quarter"]:
            raise CommandError(f"{kind} needs --quarter")
        try:
            docx, pdf = report_files_write(
                kind=kind,
                year=options["year"],
                quarter=options["quarter"] if kind in QUARTERLY_KINDS else None,
                out_dir=options["out"],
                recommendations=options["recommendations"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{docx}\n{pdf}")
