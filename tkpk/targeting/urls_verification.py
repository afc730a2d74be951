from django.urls import URLPattern, path

from tkpk.targeting import views_verification as views

# Included in tkpk/targeting/urls.py (namespace "targeting").
urlpatterns: list[URLPattern] = [
    path("verifikasi/", views.verification, name="verification"),
    path("verifikasi/ringkasan/", views.verification_overview, name="verification_overview"),
    path("verifikasi/<int:pk>/terapkan/", views.verification_apply, name="verification_apply"),
    path(
        "verifikasi/<int:pk>/<str:code>/rumah-tangga/<int:key>/",
        views.verification_decide,
        name="verification_decide",
    ),
    path(
        "verifikasi/<int:pk>/<str:code>/calon/",
        views.verification_candidate,
        name="verification_candidate",
    ),
    path(
        "verifikasi/<int:pk>/<str:code>/keputusan/<int:decision>/tarik/",
        views.verification_withdraw,
        name="verification_withdraw",
    ),
    path(
        "verifikasi/<int:pk>/<str:code>/kirim/",
        views.verification_submit,
        name="verification_submit",
    ),
    path(
        "verifikasi/<int:pk>/<str:code>/selesaikan-tahap/",
        views.verification_step_complete,
        name="verification_step_complete",
    ),
    path(
        "verifikasi/<int:pk>/<str:code>/berita-acara/",
        views.verification_minutes,
        name="verification_minutes",
    ),
]
