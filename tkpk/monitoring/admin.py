"""The validation rules as data, edited by the secretariat on the administration screen (the
site audits every change). A rule's parameters are checked against its kind and its message's
placeholders against what the kind provides, so a typo cannot break submissions."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tkpk.core.admin_site import SecretariatPermissionsMixin
from tkpk.monitoring.models import RuleKind, ValidationRule

# The parameters each kind reads (rules.py), and which of them are numbers.
RULE_PARAMS: dict[str, set[str]] = {
    RuleKind.VALUE_REQUIRED: set(),
    RuleKind.BUDGET_LE_CEILING: {"tolerance"},
    RuleKind.CUMULATIVE_NOT_DECREASING: {"fields"},
    RuleKind.BENEFICIARIES_LE_TARGET: {"tolerance"},
    RuleKind.EXPLANATION_OUTSIDE: {"low", "high"},
}
CUMULATIVE_FIELDS = {"physical", "budget"}
# Every placeholder a message may use (rules.py fills code and quarter, then the kind's own).
MESSAGE_SAMPLE: dict[str, Any] = {
    "code": "1.01",
    "quarter": 1,
    "budget": Decimal(1),
    "ceiling": Decimal(1),
    "field": "physical",
    "value": Decimal(1),
    "previous": Decimal(1),
    "beneficiaries": 1,
    "target": 1,
    "tolerance": Decimal(1),
    "achievement": Decimal(1),
    "low": Decimal(1),
    "high": Decimal(1),
}


def _number(params: dict[str, Any], key: str) -> Decimal:
    try:
        number = Decimal(str(params[key]))
    except (InvalidOperation, ValueError) as exc:
        raise forms.ValidationError(
            _("Parameter %(key)s must be a number.") % {"key": key}
        ) from exc
    if not number.is_finite() or number < 0:
        raise forms.ValidationError(
            _("Parameter %(key)s must be a number of at least 0.") % {"key": key}
        )
    return number


def rule_params_check(kind: str, params: Any) -> None:
    """Raise a form error when ``params`` does not fit ``kind``."""
    if not isinstance(params, dict):
        raise forms.ValidationError(_('Write the parameters as a JSON object, e.g. {"low": "50"}.'))
    allowed = RULE_PARAMS.get(kind, set())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise forms.ValidationError(
            _("Unknown parameters for this check: %(keys)s (allowed: %(allowed)s).")
            % {"keys": ", ".join(unknown), "allowed": ", ".join(sorted(allowed)) or "—"}
        )
    for key in ("tolerance", "low", "high"):
        if key in params:
            _number(params, key)
    if "low" in params and "high" in params and _number(params, "low") > _number(params, "high"):
        raise forms.ValidationError(_("Parameter low must not exceed high."))
    if "fields" in params:
        fields = params["fields"]
        if not isinstance(fields, list) or not fields or not set(fields) <= CUMULATIVE_FIELDS:
            raise forms.ValidationError(_('Parameter fields lists "physical" and/or "budget".'))


class ValidationRuleForm(forms.ModelForm[ValidationRule]):
    class Meta:
        model = ValidationRule
        fields = ["code", "kind", "severity", "params", "message", "is_active"]
        widgets = {
            "params": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "message": forms.Textarea(attrs={"rows": 3, "cols": 80}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "params" in cleaned and cleaned["params"] is None:
            cleaned["params"] = {}  # an empty box means no parameters
        kind, params = cleaned.get("kind"), cleaned.get("params")
        if kind and params is not None:
            try:
                rule_params_check(kind, params)
            except forms.ValidationError as exc:
                self.add_error("params", exc)
        message = cleaned.get("message")
        if message:
            try:
                message % MESSAGE_SAMPLE  # noqa: B018 (only checks that the message formats)
            except (KeyError, ValueError, TypeError):
                self.add_error(
                    "message",
                    _(
                        "The message has an unknown placeholder or a single percent sign "
                        "(write a percent sign as two). Placeholders: %(names)s."
                    )
                    % {"names": ", ".join(f"%({k})s" for k in MESSAGE_SAMPLE)},
                )
        return cleaned


@admin.register(ValidationRule)
class ValidationRuleAdmin(SecretariatPermissionsMixin, admin.ModelAdmin[ValidationRule]):
    form = ValidationRuleForm
    list_display = ["code", "kind", "severity", "is_active"]
    list_filter = ["kind", "severity", "is_active"]
    search_fields = ["code", "message"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A rule is switched off (active unticked), not deleted: its code stays meaningful.
        return False
