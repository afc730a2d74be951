from __future__ import annotations

from django.contrib import admin

from tkpk.core.admin_site import SecretariatPermissionsMixin
from tkpk.regions.models import Region, RegionCode


class RegionCodeInline(SecretariatPermissionsMixin, admin.TabularInline[RegionCode, Region]):
    model = RegionCode
    extra = 0


@admin.register(Region)
class RegionAdmin(SecretariatPermissionsMixin, admin.ModelAdmin[Region]):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    inlines = [RegionCodeInline]
    raw_id_fields = ["parent"]
