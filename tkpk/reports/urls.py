from django.urls import path

from tkpk.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("baru/", views.report_new, name="new"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path(
        "<int:pk>/v<int:number>/<str:fmt>/",
        views.report_download,
        name="download",
    ),
]
