from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "tkpk.planning"
    label = "planning"

    def ready(self) -> None:
        from tkpk.planning.services import on_drafting_task_opened  # noqa: PLC0415
        from tkpk.processes.screens import register_screen  # noqa: PLC0415

        register_screen("planning.plan", on_open=on_drafting_task_opened)
        register_screen("planning.enact")
