from django.urls import include, path

from tkpk.processes import views, views_work

app_name = "processes"

urlpatterns = [
    path("tugas/", views_work.inbox, name="inbox"),
    path("tugas/<int:pk>/", views_work.task_detail, name="task"),
    path(
        "tugas/<int:pk>/lampiran/<int:attachment_pk>/",
        views_work.task_attachment,
        name="task_attachment",
    ),
    path("notifikasi/", views_work.notifications, name="notifications"),
    path("notifikasi/<int:pk>/baca/", views_work.notification_read, name="notification_read"),
    path("instans/<int:pk>/", views_work.instance_detail, name="instance"),
    path("instans/<int:pk>/bpmn", views_work.instance_bpmn, name="instance_bpmn"),
    path("peta/<str:code>/instans/", views_work.instance_list, name="instances"),
    path("peta/<str:code>/sop/", views_work.sop, name="sop"),
    path("peta/<str:code>/sop.<str:fmt>", views_work.sop_download, name="sop_download"),
    path("peta/", include("tkpk.processes.urls_maps")),
    path("<str:code>/", views.node, name="node"),
]
