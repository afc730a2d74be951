"""The lanes of the process maps (processes.md §2) as roles users hold."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GUBERNUR = "gubernur", _("Gubernur")
    KETUA = "ketua", _("Ketua TKPK")
    SEKRETARIAT = "sekretariat", _("Sekretariat TKPK")
    TIM_PENYUSUN = "tim_penyusun", _("Tim Penyusun")
    OPD = "opd", _("Perangkat Daerah (OPD)")
    PENGELOLA_DATA = "pengelola_data", _("Pengelola Data")
    WILAYAH = "wilayah", _("Wilayah")
    BIRO_HUKUM = "biro_hukum", _("Biro Hukum")


# Roles whose work is province-wide: they need no organisation or region scope.
PROVINCE_WIDE_ROLES = frozenset(
    {
        Role.GUBERNUR,
        Role.KETUA,
        Role.SEKRETARIAT,
        Role.TIM_PENYUSUN,
        Role.PENGELOLA_DATA,
        Role.BIRO_HUKUM,
    }
)
# Roles that must be scoped to one organisation (their agency).
ORGANISATION_SCOPED_ROLES = frozenset({Role.OPD})
# Roles that must be scoped to one administrative region (kota or kelurahan).
REGION_SCOPED_ROLES = frozenset({Role.WILAYAH})
# Roles that may read across the whole province, including administration pages.
OVERSIGHT_ROLES = frozenset({Role.SEKRETARIAT, Role.KETUA, Role.GUBERNUR})
