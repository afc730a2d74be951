from django.apps import AppConfig


class TargetingConfig(AppConfig):
    name = "tkpk.targeting"
    label = "targeting"

    def ready(self) -> None:
        from tkpk.processes.screens import register_screen  # noqa: PLC0415
        from tkpk.targeting.screens import musyawarah_link, request_link  # noqa: PLC0415

        # TKPK-02.02 steps done on the targeting pages; their services complete the tasks.
        register_screen("targeting.request", link=request_link, exclusive=True)
        register_screen("targeting.musyawarah", link=musyawarah_link, exclusive=True)
