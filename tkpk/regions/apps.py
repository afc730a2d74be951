from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "tkpk.regions"
    label = "regions"
