from django.urls import URLPattern, path

from tkpk.targeting import views_requests as views

urlpatterns: list[URLPattern] = [
    path("permintaan/", views.requests, name="requests"),
    path("permintaan/baru/", views.request_new, name="request_new"),
    path("permintaan/<int:pk>/", views.request_detail, name="request"),
    path("permintaan/<int:pk>/ubah/", views.request_edit, name="request_edit"),
    path("permintaan/<int:pk>/ajukan/", views.request_submit, name="request_submit"),
    path("permintaan/<int:pk>/telaah/", views.request_review, name="request_review"),
    path("permintaan/<int:pk>/ekstrak/", views.request_produce, name="request_produce"),
    path("permintaan/<int:pk>/ekstrak/pratinjau/", views.request_preview, name="request_preview"),
    path(
        "permintaan/<int:pk>/ekstrak/unduh/<str:fmt>/",
        views.request_extract,
        name="request_extract",
    ),
    path("permintaan/<int:pk>/balikan/", views.request_return, name="request_return"),
    path("permintaan/<int:pk>/selesai/", views.request_close, name="request_close"),
]
