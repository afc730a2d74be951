from django.urls import URLPattern, path

from tkpk.targeting import views_coverage

urlpatterns: list[URLPattern] = [
    path("cakupan/", views_coverage.coverage, name="coverage"),
    path("cakupan/rumah-tangga/", views_coverage.coverage_households, name="coverage_households"),
    path(
        "cakupan/batas-wilayah.json", views_coverage.coverage_boundaries, name="coverage_boundaries"
    ),
]
