"""Monitoring and evaluation (TKPK-03.01, TKPK-03.02): the year's instrument built from the
enacted RAT, its reporting calendar, validation rules as data, the OPDs' quarterly reports with
one value per instrument row, follow-up items and the history of every value change."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tkpk.planning.models import Direction, Versioned


class InstrumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMING = "confirming", _("Being confirmed by the OPDs")
    REVIEW = "review", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class Aggregation(models.TextChoices):
    # Cumulative: each quarter reports the year-to-date value (targets Q1 ≤ … ≤ Q4 = annual).
    CUMULATIVE = "cumulative", _("Cumulative (year to date)")
    PER_QUARTER = "per_quarter", _("Per quarter")


class Instrument(Versioned):
    """The M&E instrument of one year; a published instrument is frozen (its snapshot)."""

    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("version"), default=1)
    plan = models.ForeignKey(
        "planning.Plan",
        verbose_name=_("RAT"),
        on_delete=models.PROTECT,
        related_name="instruments",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InstrumentStatus.choices,
        default=InstrumentStatus.DRAFT,
    )
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        verbose_name=_("process instance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instruments",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot = models.JSONField(_("published content"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("monitoring instrument")
        verbose_name_plural = _("monitoring instruments")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="instrument_unique_version")
        ]

    def __str__(self) -> str:
        return f"Instrumen Monev {self.year} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status == InstrumentStatus.PUBLISHED


class InstrumentRow(Versioned):
    """One indicator of a RAT sub-activity as the OPD reports it every quarter."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="rows")
    source_row = models.ForeignKey(
        "planning.MatrixRow",
        verbose_name=_("RAT row"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instrument_rows",
    )
    code = models.CharField(_("code"), max_length=40)
    programme = models.CharField(_("programme"), max_length=300, blank=True)
    name = models.CharField(_("sub-activity"), max_length=300)
    indicator = models.CharField(_("indicator"), max_length=300)
    unit = models.CharField(_("unit"), max_length=50)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    aggregation = models.CharField(
        _("aggregation"),
        max_length=20,
        choices=Aggregation.choices,
        default=Aggregation.CUMULATIVE,
    )
    target = models.DecimalField(
        _("target for the year"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    target_q1 = models.DecimalField("TW I", max_digits=18, decimal_places=4, null=True, blank=True)
    target_q2 = models.DecimalField("TW II", max_digits=18, decimal_places=4, null=True, blank=True)
    target_q3 = models.DecimalField(
        "TW III", max_digits=18, decimal_places=4, null=True, blank=True
    )
    target_q4 = models.DecimalField("TW IV", max_digits=18, decimal_places=4, null=True, blank=True)
    budget_ceiling = models.DecimalField(
        _("budget ceiling (Rp)"),
        max_digits=18,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    beneficiary_target = models.PositiveIntegerField(
        _("beneficiaries targeted"), null=True, blank=True
    )
    opd = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("OPD"),
        on_delete=models.PROTECT,
        related_name="instrument_rows",
    )
    locations = models.ManyToManyField(
        "regions.Region", verbose_name=_("locations"), blank=True, related_name="+"
    )
    target_group = models.CharField(_("target group"), max_length=200, blank=True)
    source_of_funds = models.CharField(_("source of funds"), max_length=100, blank=True)
    opd_confirmed_at = models.DateTimeField(_("confirmed by the OPD"), null=True, blank=True)
    opd_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["instrument", "code"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="instrumentrow_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.indicator}"

    def quarter_target(self, quarter: int) -> Decimal | None:
        value: Decimal | None = getattr(self, f"target_q{quarter}")
        return value

    def clean(self) -> None:
        if self.aggregation == Aggregation.CUMULATIVE:
            given = [self.quarter_target(q) for q in (1, 2, 3, 4)]
            quarters = [q for q in given if q is not None]
            if len(quarters) == len(given) and any(
                a > b for a, b in zip(quarters, quarters[1:], strict=False)
            ):
                raise ValidationError(
                    {"aggregation": _("Cumulative quarterly targets may not decrease.")}
                )


class PeriodState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    LOCKED = "locked", _("Locked")


class ReportingPeriod(Versioned):
    """A quarter of the instrument's year: when it opens, is due and is locked."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="periods")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    opens_on = models.DateField(_("opens on"))
    due_on = models.DateField(_("due on"))
    locks_on = models.DateField(_("locked on"))
    state = models.CharField(
        _("state"), max_length=20, choices=PeriodState.choices, default=PeriodState.SCHEDULED
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        verbose_name=_("process instance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reporting_periods",
    )
    # The secretariat member who published the calendar: the scheduled opening and locking
    # complete the secretariat's process steps on their behalf.
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # [{"at": iso, "by": username, "reason": text, "opd": acronym or ""}]
    reopen_log = models.JSONField(_("reopenings"), default=list, blank=True)

    class Meta:
        ordering = ["year", "quarter"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "quarter"], name="period_unique_quarter")
        ]

    def __str__(self) -> str:
        return f"TW {self.quarter} {self.year}"

    def clean(self) -> None:
        dates = (self.opens_on, self.due_on, self.locks_on)
        if all(dates) and not self.opens_on <= self.due_on <= self.locks_on:
            raise ValidationError(
                _("The period must open before it is due, and be due before it locks.")
            )


class RuleKind(models.TextChoices):
    """The whitelisted checks a validation rule may use (its parameters are data)."""

    VALUE_REQUIRED = "value_required", _("Physical and budget realisation are filled in")
    BUDGET_LE_CEILING = "budget_le_ceiling", _("Budget realisation within the ceiling")
    CUMULATIVE_NOT_DECREASING = (
        "cumulative_not_decreasing",
        _("Cumulative realisation does not decrease"),
    )
    BENEFICIARIES_LE_TARGET = (
        "beneficiaries_le_target_tolerance",
        _("Beneficiaries within the target times a tolerance"),
    )
    EXPLANATION_OUTSIDE = (
        "explanation_required_outside",
        _("Explanation required when achievement is outside a range"),
    )


class Severity(models.TextChoices):
    ERROR = "error", _("Error: blocks submission")
    WARNING = "warning", _("Warning: needs an explanation")


class ValidationRule(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("check"), max_length=40, choices=RuleKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    # Shown to the OPD as is (Indonesian); named placeholders such as %(code)s are filled in.
    message = models.CharField(_("message"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")

    def __str__(self) -> str:
        return self.code


class ReportState(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")


EDITABLE_STATES = (ReportState.NOT_STARTED, ReportState.DRAFT, ReportState.RETURNED)


class QuarterReport(Versioned):
    """One OPD's report for one quarter."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reports")
    opd = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("OPD"),
        on_delete=models.PROTECT,
        related_name="quarter_reports",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ReportState.choices, default=ReportState.NOT_STARTED
    )
    late = models.BooleanField(_("late"), default=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verify_comment = models.TextField(_("verification note"), blank=True)

    class Meta:
        ordering = ["period", "opd"]
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        constraints = [models.UniqueConstraint(fields=["period", "opd"], name="report_unique_opd")]

    def __str__(self) -> str:
        return f"{self.opd} {self.period}"


class ReportValue(Versioned):
    """The realisation of one instrument row in one quarterly report."""

    report = models.ForeignKey(QuarterReport, on_delete=models.CASCADE, related_name="values")
    row = models.ForeignKey(InstrumentRow, on_delete=models.PROTECT, related_name="values")
    physical = models.DecimalField(
        _("physical realisation"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    budget = models.DecimalField(
        _("budget realisation (Rp)"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    beneficiaries = models.PositiveIntegerField(_("beneficiaries"), null=True, blank=True)
    # Aggregate counts only (never persons): {"1": n, …, "10": n} and {"L": n, "P": n}.
    beneficiaries_by_desil = models.JSONField(_("beneficiaries by desil"), default=dict, blank=True)
    beneficiaries_by_sex = models.JSONField(_("beneficiaries by sex"), default=dict, blank=True)
    achievement = models.DecimalField(
        _("achievement (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    budget_absorption = models.DecimalField(
        _("budget absorption (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    problems = models.TextField(_("problems"), blank=True)
    drivers = models.TextField(_("supporting factors"), blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    return_comment = models.TextField(_("verification comment"), blank=True)

    class Meta:
        ordering = ["report", "row__code"]
        constraints = [
            models.UniqueConstraint(fields=["report", "row"], name="reportvalue_unique_row")
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.row.code}"


class ReportAttachment(models.Model):
    """A supporting document of an OPD's quarterly report (or of one of its rows).

    Removal deletes the row and the file (only while the report is editable, i.e. before the
    secretariat relies on it); the audit log keeps who removed what (name, size, SHA-256)."""

    report = models.ForeignKey(QuarterReport, on_delete=models.CASCADE, related_name="attachments")
    value = models.ForeignKey(
        ReportValue,
        verbose_name=_("row"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="monitoring/lampiran/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.value is not None and self.value.report_id != self.report_id:
            raise ValidationError({"value": _("The row belongs to another report.")})


class ValueChange(models.Model):
    """Who changed which reported value from what to what (the report's own history)."""

    value = models.ForeignKey(ReportValue, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("field"), max_length=40)
    old = models.TextField(_("old value"), blank=True)
    new = models.TextField(_("new value"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


class FollowUpSource(models.TextChoices):
    MEETING = "meeting", _("Coordination meeting")
    REPORT = "report", _("Quarterly report")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class FollowUp(Versioned):
    """A follow-up item (tindak lanjut) tracked to closure; open items move to the next quarter."""

    period = models.ForeignKey(
        ReportingPeriod,
        verbose_name=_("quarter"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    raised_in = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="follow_ups_raised"
    )
    value = models.ForeignKey(
        ReportValue, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    text = models.TextField(_("follow-up"))
    owner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    due_on = models.DateField(_("due on"))
    source = models.CharField(_("source"), max_length=20, choices=FollowUpSource.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    carried = models.PositiveSmallIntegerField(_("times carried over"), default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_note = models.TextField(_("result"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")

    def __str__(self) -> str:
        return self.text[:60]
