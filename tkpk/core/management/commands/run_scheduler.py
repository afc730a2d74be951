from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tkpk.core.scheduler import scheduler_tick


class Command(BaseCommand):
    help = "Enqueue periodic jobs when due; runs until stopped (or once with --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between ticks")
        parser.add_argument("--once", action="store_true", help="one tick, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while True:
            names = scheduler_tick()
            if names:
                self.stdout.write("enqueued: " + ", ".join(names))
            if options["once"] or stop.wait(options["interval"]):
                break
