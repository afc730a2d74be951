from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.planning.documents import plan_docx, plan_pdf, plan_xlsx
from tkpk.planning.models import Plan, PlanKind

WRITERS = {"docx": plan_docx, "pdf": plan_pdf, "xlsx": plan_xlsx}


class Command(BaseCommand):
    help = (
        "Write a plan document: plan_export rpkd|rat YEAR --format docx|pdf|xlsx --out FILE. "
        "YEAR is a RAT's plan year or any year of an RPKD's period; with an amendment the "
        "newest plan is taken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in PlanKind])
        parser.add_argument("year", type=int)
        parser.add_argument("--format", choices=sorted(WRITERS), default="pdf")
        parser.add_argument("--out", help="file to write (default: <kind>-<year>.<format>)")

    def handle(self, *args: Any, **options: Any) -> None:
        kind, year, fmt = options["kind"], options["year"], options["format"]
        plan = (
            Plan.objects.filter(kind=kind, year_start__lte=year, year_end__gte=year)
            .order_by("-created_at", "-pk")
            .first()
        )
        if plan is None:
            raise CommandError(f"no {kind.upper()} covers {year}")
        out = Path(options["out"] or f"{kind}-{year}.{fmt}")
        out.write_bytes(WRITERS[fmt](plan=plan))
        self.stdout.write(f"{plan.title} ({plan.get_stage_display()}) → {out}")
