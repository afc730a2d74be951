"""Forms of the quarterly report pages: one row's realisation, the verification, follow-ups,
the Excel upload and a row's by-name-by-address beneficiary list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.monitoring.excel import COUNT_LIMIT, DESILS, SEXES, number_from_text
from tkpk.monitoring.models import ReportState, ReportValue
from tkpk.targeting.services_lists import SUFFIXES, list_mapping_parse

MAX_XLSX_BYTES = 5 * 1024 * 1024
TEXT_LIMIT = 4000
QUARTER_CHOICES = [("", _("All quarters")), *[(str(q), str(q)) for q in range(1, 5)]]


def _small(widget: forms.Widget, **attrs: str) -> forms.Widget:
    widget.attrs.update({"class": "form-control form-control-sm", **attrs})
    return widget


class NumberField(forms.CharField):
    """A decimal typed the plain, Indonesian or English way (1234,5 · 1.234,5 · 1234.5)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", _small(forms.TextInput(), inputmode="decimal"))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            number = number_from_text(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if number is not None and number < 0:
            raise forms.ValidationError(_("Enter a number of at least 0."))
        return number


def _count_field(label: Any) -> forms.IntegerField:  # text or lazy text
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=COUNT_LIMIT,
        widget=_small(forms.TextInput(), inputmode="numeric"),
    )


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


class ValueForm(forms.Form):
    """One instrument row's realisation in the report (prefixed by the value's id, so every
    row of the page has its own names and ids)."""

    lock_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    physical = NumberField(label=_("Physical realisation"))
    budget = NumberField(label=_("Budget realisation (Rp)"))
    beneficiaries = _count_field(_("Beneficiaries"))
    problems = forms.CharField(
        label=_("Problems"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=_small(forms.Textarea(attrs={"rows": 2})),
    )
    drivers = forms.CharField(
        label=_("Supporting factors"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=_small(forms.Textarea(attrs={"rows": 2})),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=_small(forms.Textarea(attrs={"rows": 2})),
    )

    def __init__(self, *args: Any, value: ReportValue, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"v{value.pk}")
        kwargs.setdefault(
            "initial",
            {
                "lock_version": value.lock_version,
                "physical": _plain(value.physical),
                "budget": _plain(value.budget),
                "beneficiaries": value.beneficiaries,
                "problems": value.problems,
                "drivers": value.drivers,
                "explanation": value.explanation,
                **{f"desil_{d}": value.beneficiaries_by_desil.get(d) for d in DESILS},
                **{f"sex_{s}": value.beneficiaries_by_sex.get(s) for s in SEXES},
            },
        )
        super().__init__(*args, **kwargs)
        for d in DESILS:
            self.fields[f"desil_{d}"] = _count_field(str(d))
        self.fields["sex_L"] = _count_field(_("Male"))
        self.fields["sex_P"] = _count_field(_("Female"))
        self.value = value

    def figure_fields(self) -> list[forms.BoundField]:
        return [self["physical"], self["budget"], self["beneficiaries"]]

    def text_fields(self) -> list[forms.BoundField]:
        return [self["problems"], self["drivers"], self["explanation"]]

    def desil_fields(self) -> list[forms.BoundField]:
        return [self[f"desil_{d}"] for d in DESILS]

    def sex_fields(self) -> list[forms.BoundField]:
        return [self[f"sex_{s}"] for s in SEXES]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "physical": data["physical"],
            "budget": data["budget"],
            "beneficiaries": data["beneficiaries"],
            "beneficiaries_by_desil": {
                d: data[f"desil_{d}"] for d in DESILS if data.get(f"desil_{d}") is not None
            },
            "beneficiaries_by_sex": {
                s: data[f"sex_{s}"] for s in SEXES if data.get(f"sex_{s}") is not None
            },
            "problems": data["problems"],
            "drivers": data["drivers"],
            "explanation": data["explanation"],
        }


class ReportFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=QUARTER_CHOICES, coerce=int, empty_value=None, required=False
    )
    opd = forms.ModelChoiceField(
        label=_("OPD"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.OPD).order_by("name"),
        required=False,
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All states")), *ReportState.choices], required=False
    )

    def __init__(self, *args: Any, choose_opd: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not choose_opd:
            del self.fields["opd"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css + " form-select-sm form-control-sm"


class VerifyForm(forms.Form):
    """Accept, or return with a comment per row (the row fields sit in each row's block and
    belong to this form through the HTML ``form`` attribute)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("return", _("Return for revision"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Note to the OPD"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args: Any, values: list[ReportValue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes: dict[str, str] = {}
        for value in values:
            name = f"row_{value.pk}"
            self.codes[name] = value.row.code
            self.fields[name] = forms.CharField(
                label=_("Comment on %(code)s") % {"code": value.row.code},
                required=False,
                max_length=TEXT_LIMIT,
                widget=forms.Textarea(
                    attrs={
                        "rows": 2,
                        "class": "form-control form-control-sm",
                        "form": "verify-form",
                    }
                ),
            )

    def row_field(self, value: ReportValue) -> forms.BoundField:
        return self[f"row_{value.pk}"]

    def row_comments(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[name]
            for name, code in self.codes.items()
            if self.cleaned_data.get(name, "").strip()
        }


class FollowUpForm(forms.Form):
    text = forms.CharField(
        label=_("Follow-up"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    owner = forms.ModelChoiceField(
        label=pgettext_lazy("follow-up", "Owner"),
        queryset=Organisation.objects.none(),
        empty_label=None,
    )
    due_on = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    value = forms.ModelChoiceField(label=_("Row"), queryset=ReportValue.objects.none())

    def __init__(
        self,
        *args: Any,
        values: list[ReportValue],
        owners: list[Organisation],
        row_required: bool,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "fu")
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.queryset = Organisation.objects.filter(pk__in=[o.pk for o in owners]).order_by("name")
        owner.widget.attrs["class"] = "form-select"
        value: Any = self.fields["value"]
        value.queryset = ReportValue.objects.filter(pk__in=[v.pk for v in values]).select_related(
            "row"
        )
        value.label_from_instance = lambda v: f"{v.row.code} {v.row.indicator}"
        value.required = row_required
        value.widget.attrs["class"] = "form-select"


class FollowUpCloseForm(forms.Form):
    note = forms.CharField(
        label=_("Result"),
        max_length=TEXT_LIMIT,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    lock_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ExcelUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in template (.xlsx)"),
        validators=[FileExtensionValidator(["xlsx"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_XLSX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return bytes(upload.read())


class RowListForm(forms.Form):
    """A row's by-name-by-address beneficiary list (linked to the target data)."""

    file = forms.FileField(
        label=_("Beneficiary list (CSV, XLSX or Parquet)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control form-control-sm"}),
    )
    mapping = forms.CharField(
        label=_("Column mapping (one COLUMN=field per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args: Any, value: ReportValue, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"list{value.pk}")
        super().__init__(*args, **kwargs)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(SUFFIXES):
            raise forms.ValidationError(_("Use a CSV, XLSX or Parquet file."))
        return upload

    def clean_mapping(self) -> dict[str, str]:
        lines = [line.strip() for line in self.cleaned_data["mapping"].splitlines() if line.strip()]
        return list_mapping_parse(lines)
