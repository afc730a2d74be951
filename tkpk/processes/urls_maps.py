"""URLs of the process-map pages (diagram, versions, upload, editor, comparison)."""

from django.urls import path

from tkpk.processes import views

urlpatterns = [
    path("<str:code>/versi/", views.version_list, name="versions"),
    path("<str:code>/versi/<int:pk>/", views.version_detail, name="version"),
    path("<str:code>/versi/<int:pk>/bpmn", views.version_bpmn, name="version_bpmn"),
    path("<str:code>/versi/<int:pk>/terbitkan/", views.version_publish, name="version_publish"),
    path("<str:code>/unggah/", views.version_upload, name="version_upload"),
    path("<str:code>/sunting/", views.editor, name="editor"),
    path("<str:code>/banding/", views.compare, name="compare"),
]
