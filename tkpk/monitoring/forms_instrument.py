"""Forms of the instrument pages (TKPK-03.01) and the reporting calendar."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.monitoring.models import InstrumentRow, PeriodState, ReportingPeriod
from tkpk.monitoring.services_instrument_pages import rats_without_instrument
from tkpk.planning.models import Plan

ROW_FORM_FIELDS = [
    "indicator",
    "unit",
    "direction",
    "aggregation",
    "target",
    "target_q1",
    "target_q2",
    "target_q3",
    "target_q4",
    "budget_ceiling",
    "beneficiary_target",
    "target_group",
    "source_of_funds",
    "opd",
]


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class InstrumentBuildForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Enacted RAT"), queryset=Plan.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = rats_without_instrument()  # type: ignore[attr-defined]
        _bootstrap(self)


class InstrumentRowForm(forms.ModelForm[InstrumentRow]):
    """A row as the secretariat adjusts it; ``lock_version`` is the version the user opened."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    location_codes = forms.CharField(
        label=_("Locations (kelurahan codes, comma-separated)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = InstrumentRow
        fields = ROW_FORM_FIELDS
        widgets = {
            name: forms.NumberInput(attrs={"step": "any"})
            for name in ("target", "target_q1", "target_q2", "target_q3", "target_q4")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        opds = Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True)
        if self.instance.opd_id:
            opds = opds | Organisation.objects.filter(pk=self.instance.opd_id)
        self.fields["opd"].queryset = opds.distinct()  # type: ignore[attr-defined]
        if self.instance.pk and not self.is_bound:
            self.fields["lock_version"].initial = self.instance.lock_version
            self.fields["location_codes"].initial = ", ".join(
                r.pk for r in self.instance.locations.all()
            )
        _bootstrap(self)

    def clean_location_codes(self) -> list[Any]:
        from tkpk.regions.models import Region  # noqa: PLC0415

        raw = self.cleaned_data["location_codes"].replace("\n", ",")
        codes = list(dict.fromkeys(c.strip() for c in raw.split(",") if c.strip()))
        found = {r.pk: r for r in Region.objects.filter(pk__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown region codes: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in codes]

    def service_data(self) -> dict[str, Any]:
        """The row fields as ``instrument_row_adjust`` takes them."""
        return {name: self.cleaned_data[name] for name in ROW_FORM_FIELDS}


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class DecisionForm(forms.Form):
    """The Ketua's decision; the service refuses a return without a note."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return with notes"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class CalendarForm(forms.Form):
    """One quarter of the reporting calendar; an open quarter keeps its opening date."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    opens_on = forms.DateField(
        label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    due_on = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    locks_on = forms.DateField(
        label=_("Locked on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, period: ReportingPeriod, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"q{period.quarter}")
        kwargs.setdefault(
            "initial",
            {
                "lock_version": period.lock_version,
                "opens_on": period.opens_on,
                "due_on": period.due_on,
                "locks_on": period.locks_on,
            },
        )
        super().__init__(*args, **kwargs)
        self.period = period
        if period.state == PeriodState.OPEN:
            self.fields["opens_on"].disabled = True
        if period.state == PeriodState.LOCKED:
            for f in self.fields.values():
                f.disabled = True
        _bootstrap(self)
