from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "tkpk.planning"
    label = "planning"
