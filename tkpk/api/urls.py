from django.urls import path

from tkpk.api.api import api

urlpatterns = [path("", api.urls)]
