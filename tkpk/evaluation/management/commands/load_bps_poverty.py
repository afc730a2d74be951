from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tkpk.evaluation.services import bps_poverty_load


class Command(BaseCommand):
    help = (
        "Load the BPS poverty series of DKI Jakarta shipped in tkpk/evaluation/data (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = bps_poverty_load()
        if not result.ok:
            raise CommandError("\n".join(f"line {e.line}: {e.message}" for e in result.errors))
        self.stdout.write(
            f"macro values: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
