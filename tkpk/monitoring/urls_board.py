from django.urls import URLPattern, path

from tkpk.monitoring import views_board as views

urlpatterns: list[URLPattern] = [
    path("", views.board, name="board"),
    path("ketua/", views.board_chair, name="board_chair"),
    path("periode/<int:pk>/kunci/", views.period_lock_view, name="period_lock"),
    path("periode/<int:pk>/buka-kembali/", views.period_reopen_view, name="period_reopen"),
    path("tindak-lanjut/", views.follow_ups, name="follow_ups"),
    path("tindak-lanjut/<int:pk>/tutup/", views.follow_up_close, name="follow_up_close"),
    path("matriks-2/<int:year>/<int:quarter>/", views.matriks2, name="matriks2"),
]
