from __future__ import annotations

from django.contrib import admin

from tkpk.core.admin_site import SecretariatPermissionsMixin
from tkpk.reports.models import Lp2kdChapter, Lp2kdTemplate, PpkeQuestion


class Lp2kdChapterInline(
    SecretariatPermissionsMixin, admin.TabularInline[Lp2kdChapter, Lp2kdTemplate]
):
    model = Lp2kdChapter
    extra = 0


@admin.register(Lp2kdTemplate)
class Lp2kdTemplateAdmin(SecretariatPermissionsMixin, admin.ModelAdmin[Lp2kdTemplate]):
    list_display = ["name", "is_active"]
    inlines = [Lp2kdChapterInline]


@admin.register(PpkeQuestion)
class PpkeQuestionAdmin(SecretariatPermissionsMixin, admin.ModelAdmin[PpkeQuestion]):
    list_display = ["order", "text", "is_active"]
    list_editable = ["is_active"]
