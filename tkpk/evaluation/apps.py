from datetime import timedelta

from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "tkpk.evaluation"
    label = "evaluation"

    def ready(self) -> None:
        # Apps are ready first: the task module imports models.
        from tkpk.core.scheduler import PeriodicJob, register  # noqa: PLC0415
        from tkpk.evaluation.tasks import dashboard_tick_task  # noqa: PLC0415

        register(PeriodicJob("evaluation.dashboard", timedelta(minutes=10), dashboard_tick_task))
