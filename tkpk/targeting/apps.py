from django.apps import AppConfig


class TargetingConfig(AppConfig):
    name = "tkpk.targeting"
    label = "targeting"
