"""Evaluation (TKPK-03.03): the predicate table, macro poverty indicators with their values and
targets per region and period, and the precomputed aggregates the province dashboard reads."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tkpk.planning.models import Direction


class PredicateBand(models.Model):
    """One band of the achievement scale (processes.md §4), configurable.

    A value belongs to the band whose ``minimum`` it reaches, taking the highest such band; the
    lowest band has no minimum. ``maximum`` is shown only (e.g. "76–90").
    """

    minimum = models.DecimalField(
        _("from (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("to (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    label = models.CharField(_("predicate"), max_length=50)
    short = models.CharField(_("short form"), max_length=5)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    colour = models.CharField(_("colour"), max_length=7, default="#6c757d")

    class Meta:
        ordering = ["ordering"]
        verbose_name = _("predicate band")
        verbose_name_plural = _("predicate bands")
        constraints = [models.UniqueConstraint(fields=["short"], name="predicateband_unique_short")]

    def __str__(self) -> str:
        return f"{self.short} {self.label}"

    def clean(self) -> None:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValidationError(_("The lower bound may not exceed the upper bound."))


class MacroIndicator(models.Model):
    """A macro poverty indicator published by BPS (P0, P1, P2, poor population, …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)
    # Labels used in imported files (e.g. the BPS file's "jumlah_penduduk_miskin").
    aliases = models.JSONField(_("aliases in imported files"), default=list, blank=True)

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("macro indicator")
        verbose_name_plural = _("macro indicators")

    def __str__(self) -> str:
        return self.name


class MacroValue(models.Model):
    """A published (or computed) value of a macro indicator for a region and survey period."""

    indicator = models.ForeignKey(
        MacroIndicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="values"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=30, blank=True)
    # Month of the survey round (3 = Maret, 9 = September), for ordering; None when annual.
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    source = models.CharField(_("source"), max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "region", "year", "month"]
        verbose_name = _("macro indicator value")
        verbose_name_plural = _("macro indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "year", "period"], name="macrovalue_unique_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region_id} {self.year} {self.period}: {self.value}"


class MacroTarget(models.Model):
    """A target of a macro indicator for a region and year (RPKD, RAT, RKPD)."""

    indicator = models.ForeignKey(
        MacroIndicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=4)
    source = models.CharField(_("source"), max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "region", "year"]
        verbose_name = _("macro indicator target")
        verbose_name_plural = _("macro indicator targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "year"], name="macrotarget_unique_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region_id} {self.year}: {self.target}"


class RpkdIndicatorLink(models.Model):
    """Which macro indicator an RPKD target measures, as the secretariat set it (``indicator``
    empty: none). Without a link the indicator is recognised by its name or "(CODE)"."""

    target = models.OneToOneField(
        "planning.Target",
        verbose_name=_("RPKD target"),
        on_delete=models.CASCADE,
        related_name="macro_link",
    )
    indicator = models.ForeignKey(
        MacroIndicator,
        verbose_name=_("macro indicator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("RPKD target link")
        verbose_name_plural = _("RPKD target links")

    def __str__(self) -> str:
        return f"{self.target_id} → {self.indicator_id or '-'}"


class DashboardSnapshot(models.Model):
    """A precomputed section of the province dashboard for one year (the page only reads these).

    ``fingerprint`` is the cheap digest of the inputs the section was computed from; the
    periodic job recomputes when it differs.
    """

    key = models.SlugField(_("section"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    payload = models.JSONField(_("content"), default=dict)
    fingerprint = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["year", "key"]
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")
        constraints = [
            models.UniqueConstraint(fields=["key", "year"], name="dashboardsnapshot_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.year}"
