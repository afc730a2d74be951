from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tkpk.core.roles import ORGANISATION_SCOPED_ROLES, REGION_SCOPED_ROLES, Role


class OrganisationKind(models.TextChoices):
    SEKRETARIAT = "sekretariat", _("Sekretariat TKPK")
    PIMPINAN = "pimpinan", _("Pimpinan daerah")
    OPD = "opd", _("Perangkat Daerah (OPD)")
    KABUPATEN_KOTA = "kabupaten_kota", _("Kabupaten/Kota Administrasi")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")
    BIRO = "biro", _("Biro Sekretariat Daerah")


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("official name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("For a kota/kabupaten, kecamatan or kelurahan office: the area it governs."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="organisation_unique_name"),
            models.UniqueConstraint(
                fields=["acronym"],
                condition=~models.Q(acronym=""),
                name="organisation_unique_acronym",
            ),
        ]

    def __str__(self) -> str:
        return self.acronym or self.name

    def clean(self) -> None:
        territorial = {
            OrganisationKind.KABUPATEN_KOTA,
            OrganisationKind.KECAMATAN,
            OrganisationKind.KELURAHAN,
        }
        if self.kind in territorial and self.region_id is None:
            raise ValidationError({"region": _("A territorial office needs its region.")})


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    failed_login_count = models.PositiveSmallIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.get_username()

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.get_username()

    def is_locked(self, *, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class RoleMembership(models.Model):
    """A user plays a lane of the process maps, within a scope.

    OPD members are scoped to their agency, Wilayah members to a region (a kota, kecamatan or
    kelurahan); the other lanes work province-wide.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            # One membership per user, role and scope (three partial constraints because
            # SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(organisation__isnull=True, region__isnull=True),
                name="membership_unique_province",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="membership_unique_organisation",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=models.Q(region__isnull=False),
                name="membership_unique_region",
            ),
        ]

    def __str__(self) -> str:
        scope = self.organisation or self.region
        label = Role(self.role).label
        return f"{self.user} · {label}" + (f" · {scope}" if scope else "")

    def clean(self) -> None:
        if self.role in ORGANISATION_SCOPED_ROLES:
            if self.organisation_id is None:
                raise ValidationError({"organisation": _("This role needs an organisation.")})
            if self.organisation and self.organisation.kind != OrganisationKind.OPD:
                raise ValidationError(
                    {"organisation": _("The OPD role is scoped to an OPD organisation.")}
                )
        if self.role in REGION_SCOPED_ROLES and self.region_id is None:
            raise ValidationError({"region": _("This role needs a region.")})
        if self.role not in ORGANISATION_SCOPED_ROLES | REGION_SCOPED_ROLES and (
            self.organisation_id or self.region_id
        ):
            raise ValidationError(_("This role works province-wide and takes no scope."))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token_value() -> str:
    return "tkpk_" + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A bearer token for a machine client; only its hash is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, *, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)
