from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tkpk.accounts.reference import organisations_load
from tkpk.evaluation.services import evaluation_reference_load
from tkpk.processes.services import catalogue_load, process_maps_load
from tkpk.regions.services import regions_load


class Command(BaseCommand):
    help = "Load all reference data (regions, crosswalk, organisations, process catalogue)."

    def handle(self, *args: Any, **options: Any) -> None:
        regions = regions_load()
        self.stdout.write(
            f"regions: {regions.created} created, {regions.updated} updated, "
            f"{regions.unchanged} unchanged; crosswalk: {regions.crosswalk}"
        )
        self.stdout.write(f"organisations: {organisations_load()}")
        self.stdout.write(f"process catalogue: {catalogue_load()} nodes")
        self.stdout.write(f"process maps published: {process_maps_load()}")
        bps = evaluation_reference_load()
        self.stdout.write(
            f"BPS poverty series: {bps.created} created, {bps.updated} updated, "
            f"{bps.unchanged} unchanged"
        )
