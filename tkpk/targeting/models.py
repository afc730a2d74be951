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
    derived_from = models.ForeignKey(
        "self",
        verbose_name=_("derived from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived",
        help_text=_("The release this list was built from by applying musyawarah decisions."),
    )
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


# --- beneficiary lists, linkage and the review queue -------------------------------------------


class ListStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Linking")
    LINKED = "linked", _("Linked")
    FAILED = "failed", _("Failed")


class BeneficiaryList(models.Model):
    """One programme's beneficiaries for one period, linked to a release of the target data.

    The rows stay in a Parquet file (`rows_path`); the links to release persons, with their
    match probability and method, in another (`links_path`). Only counts live here.
    """

    programme = models.CharField(_("programme"), max_length=300)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("OPD"),
        on_delete=models.PROTECT,
        related_name="beneficiary_lists",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    target_desil_max = models.PositiveSmallIntegerField(
        _("target deciles up to"), default=4, help_text=_("Desil 1 up to this decile is targeted.")
    )
    release = models.ForeignKey(
        Release, verbose_name=_("release"), on_delete=models.PROTECT, related_name="lists"
    )
    data_request = models.ForeignKey(
        "DataRequest",
        verbose_name=_("data request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="returned_lists",
    )
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    upload_path = models.CharField(max_length=500)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    rows_path = models.CharField(max_length=500, blank=True)
    links_path = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ListStatus.choices, default=ListStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    matched_exact = models.PositiveIntegerField(_("matched by NIK"), default=0)
    matched_model = models.PositiveIntegerField(_("matched by the model"), default=0)
    review_pending = models.PositiveIntegerField(_("awaiting review"), default=0)
    unmatched = models.PositiveIntegerField(_("not found"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-quarter", "programme"]

    def __str__(self) -> str:
        period = f"{self.year}" + (f" TW{self.quarter}" if self.quarter else "")
        return f"{self.programme} {period}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    ACCEPTED = "accepted", _("Same person")
    REJECTED = "rejected", _("Different people")


class LinkReview(models.Model):
    """An uncertain pair (beneficiary row ↔ release person) that a person decides."""

    beneficiary_list = models.ForeignKey(
        BeneficiaryList, on_delete=models.CASCADE, related_name="reviews"
    )
    list_row = models.PositiveIntegerField()  # `row` in the list's rows Parquet
    person_row = models.PositiveIntegerField()  # `row` in the release Parquet
    probability = models.FloatField(_("match probability"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-probability", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary_list", "list_row"], name="review_one_per_list_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_list_id}:{self.list_row} ~ {self.person_row}"


# --- musyawarah kelurahan verification -----------------------------------------------------------


class VerificationDecisionKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    MOVED = "moved", _("Moved")
    DECEASED = "deceased", _("Deceased")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    NEW_CANDIDATE = "new_candidate", _("New candidate")


class Musyawarah(models.Model):
    """One musyawarah kelurahan on a release: when it met and its minutes (berita acara)."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="musyawarah")
    kelurahan = models.ForeignKey(
        "regions.Region", verbose_name=_("kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("held on"), null=True, blank=True)
    minutes = models.FileField(_("berita acara"), upload_to="targeting/berita-acara/", blank=True)
    minutes_name = models.CharField(max_length=255, blank=True)
    task = models.ForeignKey(
        "processes.HumanTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "kelurahan"], name="musyawarah_one_per_kel")
        ]

    def __str__(self) -> str:
        return f"{self.kelurahan_id} {self.release}"


class VerificationDecision(models.Model):
    """A musyawarah's decision on one household (or person) of the release, or a new candidate."""

    musyawarah = models.ForeignKey(Musyawarah, on_delete=models.CASCADE, related_name="decisions")
    kk = models.CharField(_("No. KK"), max_length=16)
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    decision = models.CharField(
        _("decision"), max_length=20, choices=VerificationDecisionKind.choices
    )
    moved_to = models.ForeignKey(
        "regions.Region",
        verbose_name=_("moved to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    candidate = models.JSONField(_("new candidate data"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    applied_to = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.SET_NULL, related_name="applied_decisions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["kk", "nik"]

    def __str__(self) -> str:
        return f"{self.musyawarah_id} {self.decision}"


# --- data requests and extracts (TKPK-02.02.CFM.01, "permintaan") -----------------------------


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHANGES = "changes", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXTRACTED = "extracted", _("Extract ready")
    RETURNED = "returned", _("Beneficiary list returned")
    CLOSED = "closed", _("Closed")


class DataRequest(models.Model):
    """An OPD's request for target data, the secretariat's decision and the extract it gets."""

    number = models.CharField(_("request number"), max_length=30, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("OPD"),
        on_delete=models.PROTECT,
        related_name="data_requests",
    )
    programme = models.CharField(_("programme"), max_length=300)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.TextField(_("legal basis"))
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    fields = models.JSONField(_("fields requested"), default=list)
    needs_identifiers = models.BooleanField(_("purpose needs full NIK/KK"), default=False)
    approved_fields = models.JSONField(_("fields approved"), default=list, blank=True)
    identifiers_approved = models.BooleanField(_("full NIK/KK approved"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    review_note = models.TextField(_("secretariat note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("extract valid for (days)"), default=30)
    release = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    extract_path = models.CharField(max_length=500, blank=True)
    extract_rows = models.PositiveIntegerField(_("rows in extract"), default=0)
    extracted_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("extract expires"), null=True, blank=True)
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number
