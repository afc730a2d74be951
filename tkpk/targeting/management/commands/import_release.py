from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.targeting.models import ImportStatus, Source
from tkpk.targeting.services import import_job_create, import_job_run, mapping_parse


class Command(BaseCommand):
    help = "Import a release of target data (CSV, XLSX or Parquet); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", choices=Source.values, required=True)
        parser.add_argument("--as-of", type=date.fromisoformat, required=True)
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD")
        parser.add_argument("--max-error-rate", type=Decimal, default=Decimal(0))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            mapping = mapping_parse(options["map"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if not options["file"].exists():
            raise CommandError(f"no file {options['file']}")
        job = import_job_create(
            path=options["file"],
            source=options["source"],
            as_of=options["as_of"],
            mapping=mapping,
            by=None,
            max_error_rate=options["max_error_rate"],
        )
        job = import_job_run(job=job, progress=lambda p: self.stderr.write(f"\r{p:3d}%", ending=""))
        self.stderr.write("")
        self.stdout.write(
            f"{job.status}: {job.rows} rows, {job.error_rows} with errors, "
            f"{job.warning_rows} with warnings; report: {job.report_path}"
        )
        if job.message:
            self.stdout.write(job.message)
        if job.status != ImportStatus.DONE:
            raise CommandError(f"import {job.status}")
