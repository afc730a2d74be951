from datetime import timedelta

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "tkpk.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        # Apps are ready first: the engine hooks and the scheduler import models.
        from tkpk.core.scheduler import PeriodicJob, register  # noqa: PLC0415
        from tkpk.monitoring import screens  # noqa: PLC0415
        from tkpk.monitoring.tasks import monitoring_tick_task  # noqa: PLC0415

        screens.register()
        register(PeriodicJob("monitoring.tick", timedelta(hours=1), monitoring_tick_task))
