from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    # Browsers ask for /favicon.ico on their own.
    path("favicon.ico", RedirectView.as_view(url="/static/tkpk/favicon.svg", permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    # One login page for the application and the administration screen.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("api/", include("tkpk.api.urls")),
    path("wilayah/", include("tkpk.regions.urls")),
    path("proses/", include("tkpk.processes.urls")),
    path("perencanaan/", include("tkpk.planning.urls")),
    path("data-sasaran/", include("tkpk.targeting.urls")),
    path("pemantauan/", include("tkpk.monitoring.urls")),
    path("laporan-tkpk/", include("tkpk.reports.urls")),
    path("evaluasi/", include("tkpk.evaluation.urls")),
    path("perencanaan/", include("tkpk.planning.urls_excel")),
    path("perencanaan/", include("tkpk.planning.urls_rpkd")),
    path("", include("tkpk.accounts.urls")),
    path("", include("tkpk.core.urls")),
]
