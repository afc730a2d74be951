from django.urls import path

from tkpk.planning import views_excel

app_name = "planning_excel"

urlpatterns = [
    path("<int:plan_id>/matriks/excel/", views_excel.matrix_excel, name="matrix_excel"),
    path(
        "<int:plan_id>/matriks/excel/templat.xlsx",
        views_excel.matrix_template_download,
        name="matrix_template",
    ),
]
