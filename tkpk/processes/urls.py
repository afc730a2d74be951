from django.urls import path

from tkpk.processes import views

app_name = "processes"

urlpatterns = [
    path("<str:code>/", views.node, name="node"),
]
