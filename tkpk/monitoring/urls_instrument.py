from django.urls import URLPattern, path

from tkpk.monitoring import views_instrument as views

urlpatterns: list[URLPattern] = [
    path("instrumen/", views.instrument_list, name="instruments"),
    path("instrumen/<int:pk>/", views.instrument_detail, name="instrument"),
    path("instrumen/baris/<int:pk>/", views.instrument_row_edit, name="instrument_row"),
    path("instrumen/<int:pk>/kirim/", views.instrument_send, name="instrument_send"),
    path(
        "instrumen/<int:pk>/konfirmasi/<int:opd_pk>/",
        views.instrument_confirm,
        name="instrument_confirm",
    ),
    path("instrumen/<int:pk>/finalisasi/", views.instrument_finalise, name="instrument_finalise"),
    path("instrumen/<int:pk>/keputusan/", views.instrument_decide, name="instrument_decide"),
    path("instrumen/<int:pk>/terbitkan/", views.instrument_publish, name="instrument_publish"),
    path("kalender/", views.calendar_current, name="calendar_current"),
    path("kalender/<int:year>/", views.calendar, name="calendar"),
]
