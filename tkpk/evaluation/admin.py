from django.contrib import admin

from tkpk.evaluation.models import MacroIndicator, MacroTarget, MacroValue, PredicateBand


@admin.register(PredicateBand)
class PredicateBandAdmin(admin.ModelAdmin[PredicateBand]):
    list_display = ("short", "label", "minimum", "maximum", "ordering")


@admin.register(MacroIndicator)
class MacroIndicatorAdmin(admin.ModelAdmin[MacroIndicator]):
    list_display = ("code", "name", "unit", "direction", "ordering")


@admin.register(MacroValue)
class MacroValueAdmin(admin.ModelAdmin[MacroValue]):
    list_display = ("indicator", "region", "year", "period", "value", "source")
    list_filter = ("indicator", "year")


@admin.register(MacroTarget)
class MacroTargetAdmin(admin.ModelAdmin[MacroTarget]):
    list_display = ("indicator", "region", "year", "target", "source")
