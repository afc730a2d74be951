"""Target-data releases: each delivery is an immutable Parquet snapshot with its metadata here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    DTSEN = "DTSEN", "DTSEN"
    P3KE = "P3KE", "P3KE"
    DTKS = "DTKS", "DTKS"
    REGSOSEK = "REGSOSEK", "REGSOSEK"
    DAERAH = "DAERAH", _("Regional data")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected (errors)")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One attempt to import a file; a release exists only if the whole file passed."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    as_of = models.DateField(_("as of"))
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    upload_path = models.CharField(max_length=500)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    max_error_rate = models.DecimalField(
        _("highest error share accepted"), max_digits=6, decimal_places=5, default=0
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    warning_rows = models.PositiveIntegerField(_("rows with warnings"), default=0)
    report_path = models.CharField(max_length=500, blank=True)
    message = models.TextField(_("message"), blank=True)
    release = models.ForeignKey(
        "Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.as_of} ({self.status})"


class Release(models.Model):
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    as_of = models.DateField(_("as of"))
    file_sha256 = models.CharField(max_length=64)
    persons_path = models.CharField(max_length=500)
    persons = models.PositiveIntegerField(_("persons"))
    households = models.PositiveIntegerField(_("households"))
    warning_rows = models.PositiveIntegerField(_("rows with warnings"), default=0)
    is_current = models.BooleanField(_("current"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "as_of", "file_sha256"], name="release_unique_delivery"
            ),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="release_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.as_of:%Y-%m-%d}"


class ColumnMapping(models.Model):
    """A saved mapping from a source's column names to the canonical fields."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices, unique=True)
    mapping = models.JSONField(_("column mapping"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.source
