"""Forms of the RPKD's structured content; each edit form carries the item's ``lock_version``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.planning.models import Goal, Plan, Programme, Risk, Strategy, Target
from tkpk.regions.models import Level, Region


class _VersionedForm(forms.ModelForm[Any]):
    """An edit of an existing item must say which version it was read at."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["lock_version"].initial = self.instance.lock_version
            self.fields["lock_version"].required = True
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    def service_data(self) -> dict[str, Any]:
        """The cleaned values as the keyword arguments of the create/update services."""
        return {k: v for k, v in self.cleaned_data.items() if k != "lock_version"}


def _year_fields(
    form: forms.BaseForm,
    plan: Plan,
    prefix: str,
    label: Any,
    initial: dict[int, Decimal],
    **kw: Any,
) -> None:
    for year in plan.years:
        form.fields[f"{prefix}_{year}"] = forms.DecimalField(
            label=f"{label} {year}", required=False, initial=initial.get(year), **kw
        )


def _year_values(form: forms.BaseForm, plan: Plan, prefix: str) -> dict[int, Decimal]:
    return {
        year: form.cleaned_data[f"{prefix}_{year}"]
        for year in plan.years
        if form.cleaned_data.get(f"{prefix}_{year}") is not None
    }


class GoalForm(_VersionedForm):
    class Meta:
        model = Goal
        fields = ["code", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class TargetForm(_VersionedForm):
    class Meta:
        model = Target
        fields = ["code", "indicator", "unit", "direction", "baseline", "baseline_year"]

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        initial = (
            {v.year: v.value.normalize() for v in self.instance.values.all()}
            if self.instance.pk
            else {}
        )
        _year_fields(
            self,
            plan,
            "value",
            _("Target"),
            initial,
            max_digits=18,
            decimal_places=4,
            widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
        )

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in super().service_data().items() if not k.startswith("value_")}
        data["values"] = _year_values(self, self.plan, "value")
        return data


class StrategyForm(_VersionedForm):
    directions = forms.CharField(
        label=_("Policy directions (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = Strategy
        fields = ["code", "kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["directions"].initial = "\n".join(
                d.text for d in self.instance.directions.all()
            )

    def clean_directions(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["directions"].splitlines() if line.strip()
        ]


class ProgrammeForm(_VersionedForm):
    location_codes = forms.CharField(
        label=_("Priority kelurahan (codes, comma-separated)"),
        required=False,
        max_length=2000,
        help_text=_("Kemendagri codes of kelurahan, e.g. 31.73.04.1002"),
    )

    class Meta:
        model = Programme
        fields = ["code", "name", "klaster", "strategy", "opd", "is_priority"]

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["strategy"].queryset = plan.strategies.all()  # type: ignore[attr-defined]
        self.fields["opd"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind=OrganisationKind.OPD, is_active=True
        )
        initial: dict[int, Decimal] = {}
        if self.instance.pk:
            initial = {b.year: b.amount.normalize() for b in self.instance.budgets.all()}
            self.fields["location_codes"].initial = ", ".join(
                loc.region_id for loc in self.instance.locations.all()
            )
        _year_fields(
            self,
            plan,
            "budget",
            _("Budget (Rp)"),
            initial,
            max_digits=18,
            decimal_places=2,
            min_value=Decimal(0),
            widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
        )

    def clean_location_codes(self) -> list[Region]:
        codes = [c.strip() for c in self.cleaned_data["location_codes"].split(",") if c.strip()]
        codes = list(dict.fromkeys(codes))
        found = {r.pk: r for r in Region.objects.filter(pk__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown region codes: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        wrong = [found[c] for c in codes if found[c].level != Level.KELURAHAN]
        if wrong:
            raise forms.ValidationError(
                _("Only kelurahan can be priority locations; these are not: %(regions)s")
                % {
                    "regions": ", ".join(
                        f"{r.pk} {r.name} ({r.get_level_display()})" for r in wrong
                    )
                }
            )
        return [found[c] for c in codes]

    def service_data(self) -> dict[str, Any]:
        data = {
            k: v
            for k, v in super().service_data().items()
            if not k.startswith("budget_") and k != "location_codes"
        }
        data["budgets"] = _year_values(self, self.plan, "budget")
        data["locations"] = self.cleaned_data["location_codes"]
        return data


class RiskForm(_VersionedForm):
    class Meta:
        model = Risk
        fields = ["risk", "cause", "impact", "likelihood", "mitigation", "owner"]
        widgets = {
            "cause": forms.Textarea(attrs={"rows": 2}),
            "impact": forms.Textarea(attrs={"rows": 2}),
            "mitigation": forms.Textarea(attrs={"rows": 2}),
        }
