"""The documents the team signs (TKPK-03.02 and TKPK-03.03): the quarterly monitoring report,
the quarterly extreme-poverty report to the Ministry (PPKE Matriks 1 and 2 with the cover letter)
and the annual LP2KD. A report has versions; each version keeps the numbers it was drawn from
(``snapshot``) and its DOCX and PDF. Once the report is approved nothing of it changes."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tkpk.planning.models import Versioned


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly monitoring report")
    PPKE = "ppke", _("Extreme-poverty report to the Ministry (PPKE)")
    LP2KD = "lp2kd", _("Annual report (LP2KD)")


QUARTERLY_KINDS = (ReportKind.QUARTERLY, ReportKind.PPKE)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Awaiting approval")
    APPROVED = "approved", _("Approved")


class Report(Versioned):
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    current_version = models.ForeignKey(
        "reports.ReportVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        verbose_name=_("process instance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_reports",
    )
    # Typed on the report page before generation; each version keeps the text it used.
    recommendations = models.TextField(_("recommendations"), blank=True)
    return_note = models.TextField(_("note on return"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "-quarter", "kind"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "quarter"], name="report_unique_quarter"
            ),
            models.UniqueConstraint(
                fields=["kind", "year"],
                condition=models.Q(quarter__isnull=True),
                name="report_unique_year",
            ),
        ]

    def __str__(self) -> str:
        period = f" TW {self.quarter}" if self.quarter else ""
        return f"{self.get_kind_display()} {self.year}{period}"

    @property
    def is_approved(self) -> bool:
        return self.status == ReportStatus.APPROVED

    def clean(self) -> None:
        if self.kind in QUARTERLY_KINDS and not self.quarter:
            raise ValidationError({"quarter": quarter_required(self.kind)})
        if self.kind == ReportKind.LP2KD and self.quarter:
            raise ValidationError({"quarter": _("The LP2KD covers the whole year.")})


def quarter_required(kind: str) -> str:
    """The error of a quarterly or PPKE report without its quarter."""
    if kind == ReportKind.PPKE:
        return str(_("The PPKE report must have a quarter."))
    return str(_("A quarterly report needs its quarter."))


class VersionStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Generating")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def _upload_to(instance: ReportVersion, filename: str) -> str:
    return f"reports/{instance.report_id}/v{instance.number}/{filename}"


class ReportVersion(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    docx = models.FileField(_("DOCX"), upload_to=_upload_to, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_upload_to, blank=True)
    snapshot = models.JSONField(_("content"), null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.QUEUED
    )
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["report", "-number"]
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="reportversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    @property
    def running(self) -> bool:
        return self.status in (VersionStatus.QUEUED, VersionStatus.RUNNING)


class ChapterKind(models.TextChoices):
    MACRO = "macro", _("Macro poverty conditions")
    PERFORMANCE = "performance", _("Programme performance")
    COVERAGE = "coverage", _("Coverage of the priority target data")
    PROBLEMS = "problems", _("Problems and follow-ups")
    RECOMMENDATIONS = "recommendations", _("Recommendations")
    TEXT = "text", _("Free text")


class Lp2kdTemplate(models.Model):
    """The LP2KD outline (the regulation's outline is not fixed in our sources): the active
    template's chapters, in order, make the document."""

    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-is_active", "name"]
        verbose_name = _("LP2KD outline")
        verbose_name_plural = _("LP2KD outlines")

    def __str__(self) -> str:
        return self.name


class Lp2kdChapter(models.Model):
    template = models.ForeignKey(Lp2kdTemplate, on_delete=models.CASCADE, related_name="chapters")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("content"), max_length=20, choices=ChapterKind.choices)
    # Indonesian text printed at the start of the chapter (all of it for a free-text chapter).
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["template", "order"]
        verbose_name = _("LP2KD chapter")
        verbose_name_plural = _("LP2KD chapters")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class PpkeQuestion(models.Model):
    """A Matriks 1 progress question (seeded; the Ministry's wording, editable in admin)."""

    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("question"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order"]
        verbose_name = _("Matriks 1 question")
        verbose_name_plural = _("Matriks 1 questions")

    def __str__(self) -> str:
        return f"{self.order}. {self.text[:60]}"


class PpkeAnswer(Versioned):
    """The secretariat's answer to a Matriks 1 question for one quarter."""

    question = models.ForeignKey(PpkeQuestion, on_delete=models.PROTECT, related_name="answers")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["year", "quarter", "question__order"]
        verbose_name = _("Matriks 1 answer")
        verbose_name_plural = _("Matriks 1 answers")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "year", "quarter"], name="ppkeanswer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} TW {self.quarter}: {self.question}"
