from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    name = "tkpk.core"
    label = "core"
    default = True


class TkpkAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "tkpk.core.admin_site.TkpkAdminSite"
