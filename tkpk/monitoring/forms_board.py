"""Forms of the completeness board, the period actions and the follow-ups page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.monitoring.models import FollowUpSource, ReportingPeriod, ReportState
from tkpk.monitoring.selectors_board import LATE

QUARTER_CHOICES = [(1, "TW I"), (2, "TW II"), (3, "TW III"), (4, "TW IV")]


def _style(form: forms.Form, *, small: bool = False) -> None:
    size = " form-select-sm" if small else ""
    for f in form.fields.values():
        if isinstance(f.widget, forms.Select):
            f.widget.attrs.setdefault("class", "form-select" + size)
        elif not isinstance(f.widget, forms.HiddenInput):
            f.widget.attrs.setdefault("class", "form-control" + size.replace("select", "control"))


class BoardFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("All quarters")), *QUARTER_CHOICES],
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("All states")),
            ("scheduled", _("Scheduled")),
            *ReportState.choices,
            (LATE, _("Late")),
        ],
    )
    opd = forms.CharField(label=_("OPD"), required=False, max_length=100)

    def __init__(self, data: Any, *, years: list[int]) -> None:
        super().__init__(data)
        field = cast(forms.TypedChoiceField, self.fields["year"])
        field.choices = [(y, str(y)) for y in years]
        _style(self, small=True)
        for name in ("year", "quarter", "state"):
            self.fields[name].widget.attrs["data-autosubmit"] = "1"


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    opd = forms.ModelChoiceField(
        label=_("Only for this OPD (its report is returned to it)"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All OPDs"),
    )
    until = forms.DateField(
        label=_("Locks again on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: a week from today."),
    )

    def __init__(self, *args: Any, period: ReportingPeriod, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["opd"])  # type: ignore[type-arg]
        field.queryset = Organisation.objects.filter(quarter_reports__period=period).order_by(
            "acronym", "name"
        )
        _style(self, small=True)


def opd_choices() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True).order_by(
        "acronym", "name"
    )


class FollowUpFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, required=False, choices=QUARTER_CHOICES
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", _("Open")),
            ("closed", _("Closed")),
            ("overdue", _("Overdue")),
        ],
    )

    def __init__(self, data: Any, *, years: list[int]) -> None:
        super().__init__(data)
        field = cast(forms.TypedChoiceField, self.fields["year"])
        field.choices = [(y, str(y)) for y in years]
        _style(self, small=True)


class FollowUpCreateForm(forms.Form):
    text = forms.CharField(
        label=_("Follow-up"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(label=_("Owner (OPD)"), queryset=Organisation.objects.none())
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(
        label=_("Source"), choices=FollowUpSource.choices, initial=FollowUpSource.MEETING
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["owner"])  # type: ignore[type-arg]
        field.queryset = opd_choices()
        _style(self)


class FollowUpCloseForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self, small=True)
