from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tkpk.targeting.linkage.fields import CANONICAL_FIELDS, MappingError, mapping_parse
from tkpk.targeting.linkage.link import DEFAULT_THRESHOLD, link_files


class Command(BaseCommand):
    help = (
        "Link two person files (CSV or Parquet): link_persons LEFT RIGHT --out PAIRS.csv "
        "[--map COLUMN=FIELD ...] [--map-left ...] [--map-right ...] [--threshold P]. "
        f"Fields: {', '.join(CANONICAL_FIELDS)}; only id is required. Writes "
        "left_id,right_id,probability: the best left match of each right record at or above "
        "the threshold."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("left", type=Path, help="the file searched (e.g. the registry)")
        parser.add_argument("right", type=Path, help="the file whose records are linked")
        parser.add_argument("--out", type=Path, required=True, help="pairs CSV to write")
        for flag, which in (
            ("--map", "both files"),
            ("--map-left", "LEFT"),
            ("--map-right", "RIGHT"),
        ):
            parser.add_argument(
                flag,
                action="extend",
                nargs="+",
                default=[],
                metavar="COLUMN=FIELD",
                help=f"rename a column of {which} to a canonical field",
            )
        parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
        parser.add_argument(
            "--reference-date",
            help="ISO date bounding birth dates and resolving NIK years (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = options["threshold"]
        if not 0 < threshold <= 1:
            raise CommandError("--threshold must be in (0, 1]")
        try:
            shared = mapping_parse(options["map"])
            mapping_left = shared | mapping_parse(options["map_left"])
            mapping_right = shared | mapping_parse(options["map_right"])
            # Splink reports untrained levels on small files as warnings: not for the console.
            logging.getLogger("splink").setLevel(logging.ERROR)
            result = link_files(
                options["left"],
                options["right"],
                mapping_left=mapping_left,
                mapping_right=mapping_right,
                threshold=threshold,
                out=options["out"],
                reference_date=options["reference_date"],
            )
        except MappingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.pairs.height} of {result.right_rows} right records linked to "
            f"{result.left_rows} left records in {result.seconds:.1f} s "
            f"(fields: {', '.join(result.fields)}; exact NIK accepted: "
            f"{result.exact_nik_accepted}; pairs scored: {result.candidate_pairs}) → "
            f"{options['out']}"
        )
