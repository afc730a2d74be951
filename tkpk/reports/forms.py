from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tkpk.reports.models import QUARTERLY_KINDS, ReportKind, quarter_required
from tkpk.reports.selectors import locked_quarters


class ReportNewForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "-"), *((q, f"TW {q}") for q in (1, 2, 3, 4))],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        year = self._year()
        quarters = locked_quarters(year=year)
        if quarters:
            self.fields["quarter"].help_text = _(
                "Locked quarters of %(year)s (open for a quarterly or PPKE report): %(quarters)s."
            ) % {"year": year, "quarters": ", ".join(f"TW {q}" for q in quarters)}
        else:
            self.fields["quarter"].help_text = _(
                "No quarter of %(year)s is locked yet; only the LP2KD can be drafted."
            ) % {"year": year}

    def _year(self) -> int:
        """The year typed (or given in the link), else this year."""
        raw = self.data.get("year") if self.is_bound else (self.initial or {}).get("year")
        text = str(raw or "").strip()
        if text.isdigit() and 2000 <= int(text) <= 2100:
            return int(text)
        return timezone.localdate().year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") in QUARTERLY_KINDS and not data.get("quarter"):
            self.add_error("quarter", quarter_required(data["kind"]))
        return data


class RecommendationsForm(forms.Form):
    text = forms.CharField(
        label=_("Recommendations"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class AnswerForm(forms.Form):
    question = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)
