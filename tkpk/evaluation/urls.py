from django.urls import URLPattern, path

from tkpk.evaluation import views

app_name = "evaluation"

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("unduh/<slug:section>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("segarkan/", views.dashboard_refresh_request, name="dashboard_refresh"),
    path("data-makro/", views.macro_data, name="macro_data"),
    path("data-makro/rpkd/<int:plan_id>/", views.rpkd_links, name="rpkd_links"),
]
