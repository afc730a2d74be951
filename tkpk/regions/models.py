from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Kemendagri code: PP, PP.KK, PP.KK.CC, PP.KK.CC.DDDD (1xxx kelurahan, 2xxx desa, 3xxx desa adat).
KEMENDAGRI_CODE_RE = re.compile(r"^[1-9]\d(\.\d{2}(\.\d{2}(\.[123]\d{3})?)?)?$")


class Level(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN_KOTA = "kabupaten_kota", _("Kabupaten/Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")
    DESA = "desa", _("Desa")


LEVEL_BY_PARTS = {1: Level.PROVINSI, 2: Level.KABUPATEN_KOTA, 3: Level.KECAMATAN}


def level_for_code(code: str) -> Level:
    parts = code.split(".")
    if len(parts) == 4:
        return Level.KELURAHAN if parts[3].startswith("1") else Level.DESA
    return LEVEL_BY_PARTS[len(parts)]


def validate_kemendagri_code(value: str) -> None:
    if not KEMENDAGRI_CODE_RE.match(value):
        raise ValidationError(
            _("%(code)s is not a Kemendagri region code (PP.KK.CC.DDDD)."),
            params={"code": value},
            code="invalid_region_code",
        )


class Region(models.Model):
    """An administrative unit with its Kemendagri code; the code encodes the hierarchy."""

    code = models.CharField(
        _("code"), max_length=13, primary_key=True, validators=[validate_kemendagri_code]
    )
    name = models.CharField(_("name"), max_length=120, db_index=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    population_male = models.PositiveIntegerField(_("male population"), null=True, blank=True)
    population_female = models.PositiveIntegerField(_("female population"), null=True, blank=True)
    population_total = models.PositiveIntegerField(_("population"), null=True, blank=True)
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=10, decimal_places=3, null=True, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        validate_kemendagri_code(self.code)
        if self.level != level_for_code(self.code):
            raise ValidationError({"level": _("The level does not match the code.")})
        expected_parent = self.code.rsplit(".", 1)[0] if "." in self.code else None
        if (self.parent_id or None) != expected_parent:
            raise ValidationError({"parent": _("The parent does not match the code.")})

    @property
    def compact_code(self) -> str:
        """The code without dots, as it appears inside a NIK or in BPS-style tables."""
        return self.code.replace(".", "")

    def contains(self, code: str) -> bool:
        return code == self.code or code.startswith(self.code + ".")


class CodeSystem(models.TextChoices):
    BPS = "bps", _("BPS")


class RegionCode(models.Model):
    """A crosswalk row: the code another system uses for one of our regions.

    Jakarta's kota codes differ between Kemendagri and BPS (domain.md §7.3), so joins with BPS
    tables go through this table, never through the digits of a Kemendagri code.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="external_codes"
    )
    system = models.CharField(_("code system"), max_length=16, choices=CodeSystem.choices)
    code = models.CharField(_("code"), max_length=16)

    class Meta:
        ordering = ["system", "code"]
        verbose_name = _("region code crosswalk")
        verbose_name_plural = _("region code crosswalk")
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="regioncode_unique_code"),
            models.UniqueConstraint(fields=["system", "region"], name="regioncode_unique_region"),
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.code} → {self.region_id}"
