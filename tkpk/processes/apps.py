from datetime import timedelta

from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "tkpk.processes"
    label = "processes"

    def ready(self) -> None:
        from tkpk.core.scheduler import PeriodicJob, register  # noqa: PLC0415 (apps ready first)
        from tkpk.processes.tasks import process_tick_task  # noqa: PLC0415

        register(PeriodicJob("processes.tick", timedelta(minutes=15), process_tick_task))
