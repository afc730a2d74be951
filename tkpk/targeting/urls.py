from django.urls import path

from tkpk.targeting import urls_coverage, urls_lists, urls_requests, urls_verification, views

app_name = "targeting"

urlpatterns = [
    path("", views.releases, name="releases"),
    path("impor/<int:pk>/", views.job, name="job"),
    path("impor/<int:pk>/laporan.csv", views.job_report, name="job_report"),
    path("rilis/<int:pk>/berlaku/", views.make_current, name="make_current"),
    path("rilis/<int:pk>/banding/", views.compare, name="compare"),
    *urls_lists.urlpatterns,
    *urls_coverage.urlpatterns,
    *urls_requests.urlpatterns,
    *urls_verification.urlpatterns,
]
