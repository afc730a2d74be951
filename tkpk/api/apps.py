from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tkpk.api"
    label = "api"
