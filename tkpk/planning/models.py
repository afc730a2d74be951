"""RPKD and RAT as structured documents: sections, goals → targets, strategies → policy
directions → programmes, priority locations, risks, and the RAT's matrix of success targets."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    RPKD = "rpkd", "RPKD"
    RAT = "rat", "RAT"


class Stage(models.TextChoices):
    # RPKD
    TEKNOKRATIK = "teknokratik", _("Rancangan teknokratik")
    # RAT
    AWAL = "awal", _("Rancangan awal")
    # both
    AKHIR = "akhir", _("Rancangan akhir")
    PENETAPAN = "penetapan", _("Penetapan")
    ENACTED = "ditetapkan", _("Ditetapkan")


STAGES = {
    PlanKind.RPKD: [Stage.TEKNOKRATIK, Stage.AKHIR, Stage.PENETAPAN, Stage.ENACTED],
    PlanKind.RAT: [Stage.AWAL, Stage.AKHIR, Stage.PENETAPAN, Stage.ENACTED],
}


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Klaster(models.IntegerChoices):
    K1 = 1, _("Klaster 1: bantuan sosial terpadu berbasis keluarga")
    K2 = 2, _("Klaster 2: pemberdayaan masyarakat")
    K3 = 3, _("Klaster 3: pemberdayaan usaha ekonomi mikro dan kecil")
    K4 = 4, _("Klaster 4: program lainnya")


class StrategyKind(models.TextChoices):
    # Permendagri 53/2020 Pasal 17
    A = "a", _("a. Mengurangi beban pengeluaran masyarakat miskin")
    B = "b", _("b. Meningkatkan kemampuan dan pendapatan masyarakat miskin")
    C = "c", _("c. Mengembangkan dan menjamin keberlanjutan usaha ekonomi mikro dan kecil")
    D = "d", _("d. Mensinergikan kebijakan dan program penanggulangan kemiskinan")


class Plan(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=PlanKind.choices)
    title = models.CharField(_("title"), max_length=250)
    year_start = models.PositiveSmallIntegerField(_("first year"))
    year_end = models.PositiveSmallIntegerField(_("last year"))
    rpkd = models.ForeignKey(
        "self",
        verbose_name=_("RPKD"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rats",
        limit_choices_to={"kind": PlanKind.RPKD},
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    instance = models.ForeignKey(
        "processes.ProcessInstance",
        verbose_name=_("process instance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plans",
    )
    decree_number = models.CharField(_("Keputusan Gubernur number"), max_length=100, blank=True)
    decree_date = models.DateField(_("Keputusan Gubernur date"), null=True, blank=True)
    amends = models.ForeignKey(
        "self",
        verbose_name=_("amends"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-year_start"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:plan", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.stage == Stage.ENACTED

    @property
    def years(self) -> list[int]:
        return list(range(self.year_start, self.year_end + 1))

    def clean(self) -> None:
        if self.year_end < self.year_start:
            raise ValidationError(_("The last year is before the first year."))
        if self.kind == PlanKind.RAT:
            if self.year_start != self.year_end:
                raise ValidationError(_("A RAT covers one plan year."))
            if self.rpkd_id is None:
                raise ValidationError({"rpkd": _("A RAT is based on an RPKD.")})
            if self.rpkd and not (self.rpkd.year_start <= self.year_start <= self.rpkd.year_end):
                raise ValidationError({"rpkd": _("The plan year is outside the RPKD period.")})
        if self.stage and self.stage not in STAGES[PlanKind(self.kind)]:
            raise ValidationError({"stage": _("This stage does not belong to this kind of plan.")})


class Versioned(models.Model):
    """Optimistic locking: every save bumps ``lock_version``; a save from a stale copy fails."""

    lock_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class Section(Versioned):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(_("key"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"))
    body = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="section_unique_key")]

    def __str__(self) -> str:
        return self.title


class Goal(Versioned):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    code = models.CharField(_("code"), max_length=20)
    text = models.TextField(_("goal"))

    class Meta:
        ordering = ["plan", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class Target(Versioned):
    """An indicator of a goal with its baseline and yearly targets (the trajectory)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="targets")
    code = models.CharField(_("code"), max_length=20)
    indicator = models.CharField(_("indicator"), max_length=300)
    unit = models.CharField(_("unit"), max_length=50)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=4)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))

    class Meta:
        ordering = ["goal", "code"]

    def __str__(self) -> str:
        return self.indicator


class TargetValue(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["target", "year"]
        constraints = [
            models.UniqueConstraint(fields=["target", "year"], name="targetvalue_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"


class Strategy(Versioned):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="strategies")
    code = models.CharField(_("code"), max_length=20)
    kind = models.CharField(
        _("Permendagri 53/2020 strategy"), max_length=1, choices=StrategyKind.choices
    )
    text = models.TextField(_("strategy"))

    class Meta:
        ordering = ["plan", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class PolicyDirection(Versioned):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="directions")
    code = models.CharField(_("code"), max_length=20)
    text = models.TextField(_("policy direction"))

    class Meta:
        ordering = ["strategy", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class Programme(Versioned):
    """An RPKD programme: klaster, strategy, responsible OPD, indicative budget per year."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="programmes")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("programme"), max_length=300)
    klaster = models.PositiveSmallIntegerField(_("klaster"), choices=Klaster.choices)
    strategy = models.ForeignKey(
        Strategy, verbose_name=_("strategy"), on_delete=models.PROTECT, related_name="programmes"
    )
    opd = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("responsible OPD"),
        on_delete=models.PROTECT,
        related_name="rpkd_programmes",
    )
    is_priority = models.BooleanField(_("priority programme"), default=False)

    class Meta:
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="programme_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProgrammeBudget(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(
        _("indicative budget (Rp)"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        ordering = ["programme", "year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="programmebudget_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.amount}"


class PriorityLocation(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="locations")
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.CASCADE, related_name="locations"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("kelurahan"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["plan", "region"]

    def __str__(self) -> str:
        return str(self.region)


class Risk(Versioned):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="risks")
    risk = models.CharField(_("risk"), max_length=300)
    cause = models.TextField(_("cause"), blank=True)
    impact = models.TextField(_("impact"), blank=True)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    mitigation = models.TextField(_("mitigation"), blank=True)
    owner = models.CharField(_("owner"), max_length=200, blank=True)

    class Meta:
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.risk


class RowLevel(models.TextChoices):
    PROGRAMME = "program", _("Program")
    ACTIVITY = "kegiatan", _("Kegiatan")
    SUB_ACTIVITY = "subkegiatan", _("Sub kegiatan")


class MatrixRow(Versioned):
    """A row of the RAT's matrix of success targets (programme → activity → sub-activity)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="matrix")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.CharField(_("level"), max_length=20, choices=RowLevel.choices)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    rpkd_programme = models.ForeignKey(
        Programme,
        verbose_name=_("RPKD programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rat_rows",
    )
    rpkd_target = models.ForeignKey(
        Target,
        verbose_name=_("RPKD target"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rat_rows",
    )
    opd = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("OPD"),
        on_delete=models.PROTECT,
        related_name="rat_rows",
    )
    indicator = models.CharField(_("indicator"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, blank=True
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=18, decimal_places=4, null=True, blank=True
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
    budget = models.DecimalField(
        _("budget (Rp)"),
        max_digits=18,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(Decimal(0))],
    )
    source_of_funds = models.CharField(_("source of funds"), max_length=100, blank=True)
    target_group = models.CharField(_("target group"), max_length=200, blank=True)
    locations = models.ManyToManyField(
        "regions.Region", verbose_name=_("locations"), blank=True, related_name="+"
    )
    deviation_note = models.TextField(_("explanation of deviation from the RPKD"), blank=True)

    class Meta:
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="matrixrow_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Comment(models.Model):
    """A comment on a section or a matrix row (or the plan as a whole)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    row = models.ForeignKey(
        MatrixRow, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class Snapshot(models.Model):
    """The frozen content of a plan at the end of a stage."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="snapshots")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    number = models.PositiveIntegerField(_("number"))
    data = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="snapshot_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.number} ({self.stage})"
