from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.accounts.models import Organisation
from tkpk.targeting.models import ListStatus
from tkpk.targeting.services_lists import (
    beneficiary_list_create,
    beneficiary_list_link,
    list_mapping_parse,
)

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Import a programme's beneficiary list (CSV, XLSX or Parquet) and link it to the current "
        "release: import_beneficiaries FILE --programme P --opd ACRONYM --year Y [--quarter Q] "
        "[--map COLUMN=FIELD ...] [--target-desil-max 4]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--programme", required=True)
        parser.add_argument("--opd", required=True, metavar="ACRONYM")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=(1, 2, 3, 4))
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD")
        parser.add_argument("--target-desil-max", type=int, default=4)

    def _bar(self, percent: int) -> None:
        filled = BAR_WIDTH * percent // 100
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}%", ending=""
        )
        self.stderr.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no file {path}")
        organisation = Organisation.objects.filter(acronym=options["opd"]).first()
        if organisation is None:
            raise CommandError(f"no organisation with the acronym {options['opd']!r}")
        try:
            mapping = list_mapping_parse(options["map"])
            blist = beneficiary_list_create(
                path=path,
                file_name=path.name,
                programme=options["programme"],
                organisation=organisation,
                year=options["year"],
                quarter=options["quarter"],
                target_desil_max=options["target_desil_max"],
                mapping=mapping,
                by=None,
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        # Splink reports untrained levels on small files as warnings: not for the console.
        logging.getLogger("splink").setLevel(logging.ERROR)
        blist = beneficiary_list_link(blist=blist, progress=self._bar)
        self.stderr.write("")
        self.stdout.write(
            f"list {blist.pk} {blist.status}: {blist.rows} rows, {blist.matched_exact} matched by "
            f"NIK, {blist.matched_model} by the model, {blist.review_pending} awaiting review, "
            f"{blist.unmatched} not found"
        )
        if blist.message:
            self.stdout.write(blist.message)
        if blist.status != ListStatus.LINKED:
            raise CommandError(f"linking {blist.status}")
