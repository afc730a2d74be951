from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# PermenPANRB 19/2018 map codes: TKPK, TKPK-01, TKPK-01.01, TKPK-01.01.CFM.01, ….SOP.01
PROCESS_CODE_RE = re.compile(r"^TKPK(-\d{2}(\.\d{2}(\.CFM\.\d{2}(\.SOP\.\d{2})?)?)?)?$")


def validate_process_code(value: str) -> None:
    if not PROCESS_CODE_RE.match(value):
        raise ValidationError(
            _("%(code)s is not a process map code (e.g. TKPK-01.02.CFM.01)."),
            params={"code": value},
            code="invalid_process_code",
        )


def level_for_process_code(code: str) -> int:
    """0 for the business process, 1–2 for subprocesses, 3 for a CFM, 4 for an SOP."""
    if ".SOP." in code:
        return 4
    if ".CFM." in code:
        return 3
    if code == "TKPK":
        return 0
    return 1 if "." not in code else 2


def parent_code_for(code: str) -> str | None:
    if code == "TKPK":
        return None
    if ".SOP." in code:
        return code.rsplit(".SOP.", 1)[0]
    if ".CFM." in code:
        return code.rsplit(".CFM.", 1)[0]
    if "." in code:
        return code.rsplit(".", 1)[0]
    return "TKPK"


class NodeKind(models.TextChoices):
    PROCESS = "process", _("Business process")
    SUBPROCESS = "subprocess", _("Subprocess")
    CFM = "cfm", _("Cross-functional map")
    SOP = "sop", _("SOP")


class NodeSource(models.TextChoices):
    DECREE = "decree", _("Defined by the decree")
    RECONSTRUCTED = "reconstructed", _("Reconstructed")


class ProcessNode(models.Model):
    """One node of the business-process map hierarchy (the catalogue)."""

    code = models.CharField(
        _("code"), max_length=40, primary_key=True, validators=[validate_process_code]
    )
    name = models.CharField(_("name"), max_length=250)
    kind = models.CharField(_("kind"), max_length=20, choices=NodeKind.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    source = models.CharField(
        _("source"), max_length=20, choices=NodeSource.choices, default=NodeSource.DECREE
    )
    notes = models.JSONField(_("notes (keterangan)"), default=list, blank=True)
    references = models.JSONField(_("legal references"), default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("process map")
        verbose_name_plural = _("process maps")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        validate_process_code(self.code)
        if self.level != level_for_process_code(self.code):
            raise ValidationError({"level": _("The level does not match the code.")})
        if (self.parent_id or None) != parent_code_for(self.code):
            raise ValidationError({"parent": _("The parent does not match the code.")})
