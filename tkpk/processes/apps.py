from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "tkpk.processes"
    label = "processes"
