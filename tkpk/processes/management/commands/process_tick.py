from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tkpk.processes.services import process_tick


class Command(BaseCommand):
    help = "Fire timers, send reminders before due dates and escalations after them."

    def handle(self, *args: Any, **options: Any) -> None:
        result = process_tick()
        self.stdout.write(
            f"instances: {result.instances}, reminders: {result.reminders}, "
            f"escalations: {result.escalations}"
        )
