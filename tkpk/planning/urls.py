from django.urls import path

from tkpk.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("<int:pk>/", views.plan_detail, name="plan"),
    path("<int:pk>/baris/baru/", views.row_edit, name="row_new"),
    path("<int:pk>/baris/<int:row_pk>/", views.row_edit, name="row_edit"),
    path("<int:pk>/bab/<slug:key>/", views.section_edit, name="section_edit"),
    path("<int:pk>/tahap/selesai/", views.stage_finish, name="stage_finish"),
    path("<int:pk>/tetapkan/", views.enact, name="enact"),
    path("<int:pk>/komentar/", views.comment, name="comment"),
    path("<int:pk>/banding/", views.snapshot_compare, name="compare"),
    path("<int:pk>/ubah/", views.amend, name="amend"),
    path("<int:pk>/versi/<int:number>/", views.snapshot_detail, name="snapshot"),
]
