from django.urls import URLPattern, path

from tkpk.targeting import views_lists

urlpatterns: list[URLPattern] = [
    path("daftar-penerima/", views_lists.lists, name="lists"),
    path("daftar-penerima/<int:pk>/", views_lists.list_detail, name="list"),
    path("daftar-penerima/<int:pk>/tinjau/", views_lists.list_review, name="list_review"),
    path(
        "daftar-penerima/<int:pk>/tinjau/<int:review_pk>/",
        views_lists.list_review_decide,
        name="list_review_decide",
    ),
]
