from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tkpk.processes.services import CATALOGUE_JSON, catalogue_load


class Command(BaseCommand):
    help = "Load the process-map catalogue (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=CATALOGUE_JSON)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"process catalogue: {catalogue_load(path=options['file'])} nodes")
