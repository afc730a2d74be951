from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tkpk.regions.services import CROSSWALK_CSV, REGIONS_CSV, regions_load


class Command(BaseCommand):
    help = "Load the administrative units and the BPS code crosswalk (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regions", type=Path, default=REGIONS_CSV)
        parser.add_argument("--crosswalk", type=Path, default=CROSSWALK_CSV)

    def handle(self, *args: Any, **options: Any) -> None:
        result = regions_load(regions_csv=options["regions"], crosswalk_csv=options["crosswalk"])
        self.stdout.write(
            f"regions: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged; crosswalk: {result.crosswalk} codes"
        )
