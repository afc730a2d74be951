from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tkpk.accounts.demo import DEMO_PASSWORD, demo_load
from tkpk.evaluation.services import dashboard_refresh
from tkpk.monitoring.demo import demo_monitoring_load
from tkpk.planning.demo import demo_plans_load
from tkpk.processes.demo import demo_processes_load
from tkpk.targeting.demo import demo_targeting_load


class Command(BaseCommand):
    help = "Load demo data (one user per persona). Idempotent. Never run it in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-logins", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        personas = demo_load()
        demo_processes_load()
        demo_plans_load()
        demo_monitoring_load()
        demo_targeting_load()
        # The dashboard reads precomputed figures: compute them for the demo years.
        for year in (2025, 2026):
            dashboard_refresh(year=year)
        if options["quiet_logins"]:
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for p in personas:
            self.stdout.write(f"  {p.username:<22} {p.persona} — {p.full_name}")
