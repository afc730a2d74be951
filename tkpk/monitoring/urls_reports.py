"""Quarterly report pages (TKPK-03.02) under /pemantauan/laporan/."""

from django.urls import URLPattern, path

from tkpk.monitoring import views_reports as views

urlpatterns: list[URLPattern] = [
    path("laporan/", views.report_list, name="reports"),
    path("laporan/<int:pk>/", views.report_detail, name="report"),
    path(
        "laporan/<int:pk>/baris/<int:value_pk>/",
        views.report_value_save_view,
        name="report_value",
    ),
    path(
        "laporan/<int:pk>/baris/<int:value_pk>/penerima/",
        views.report_value_list,
        name="report_value_list",
    ),
    path("laporan/<int:pk>/ajukan/", views.report_submit_view, name="report_submit"),
    path("laporan/<int:pk>/verifikasi/", views.report_verify_view, name="report_verify"),
    path(
        "laporan/<int:pk>/tindak-lanjut/",
        views.report_follow_up_create,
        name="report_follow_up",
    ),
    path(
        "laporan/<int:pk>/tindak-lanjut/<int:follow_up_pk>/tutup/",
        views.report_follow_up_close,
        name="report_follow_up_close",
    ),
    path("laporan/<int:pk>/laporan.xlsx", views.report_xlsx, name="report_xlsx"),
    path("laporan/<int:pk>/unggah/", views.report_upload, name="report_upload"),
    path("laporan/<int:pk>/lampiran/", views.report_attachment_add, name="report_attachment_add"),
    path(
        "laporan/<int:pk>/lampiran/<int:attachment_pk>/",
        views.report_attachment_download,
        name="report_attachment",
    ),
    path(
        "laporan/<int:pk>/lampiran/<int:attachment_pk>/hapus/",
        views.report_attachment_remove,
        name="report_attachment_remove",
    ),
]
