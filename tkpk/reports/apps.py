from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tkpk.reports"
    label = "reports"
    verbose_name = "Laporan TKPK"

    def ready(self) -> None:
        from tkpk.processes.screens import register_screen  # noqa: PLC0415
        from tkpk.reports.screens import lp2kd_link, ppke_link, quarterly_link  # noqa: PLC0415

        # Drafting steps link to the report; the Ketua's decisions go through report_decide.
        register_screen("reports.lp2kd", link=lp2kd_link)
        register_screen("reports.lp2kd_decide", link=lp2kd_link, exclusive=True)
        register_screen("reports.quarterly_decide", link=quarterly_link, exclusive=True)
        register_screen("reports.ppke", link=ppke_link)

        from tkpk.planning.services import SECTION_PREFILLS  # noqa: PLC0415
        from tkpk.reports.services import rat_monev_findings  # noqa: PLC0415

        # The findings feed the next RAT's "M&E results" (TKPK-03.03 → TKPK-01.02 step 3).
        SECTION_PREFILLS["hasil_monev"] = rat_monev_findings
