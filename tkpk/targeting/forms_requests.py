from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tkpk.targeting.models import DataRequest
from tkpk.targeting.services_requests import MAX_VALID_DAYS

FIELD_CHOICES = [
    ("nik", _("NIK")),
    ("kk", _("No. KK")),
    ("name", _("Name")),
    ("sex", _("Sex")),
    ("birth_date", _("Birth date")),
    ("birth_place", _("Birth place")),
    ("address", _("Address")),
    ("kelurahan_code", _("Kelurahan code")),
    ("desil", _("Desil")),
    ("relationship", _("Relationship to the head of household")),
]
DESIL_CHOICES = [(str(d), str(d)) for d in range(1, 11)]
SEX_CHOICES = [("", _("Both")), ("L", _("Male (L)")), ("P", _("Female (P)"))]
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
CRITERIA_FIELDS = (
    "desil",
    "regions",
    "age_min",
    "age_max",
    "sex",
    "household_size_min",
    "household_size_max",
    "head_only",
    "with_children_under_6",
    "with_elderly",
)


def bootstrap(form: forms.Form) -> None:
    """Bootstrap classes on the text, number, file and select widgets."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(
            widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect
        ):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def _number(label: Any, high: int) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=high)


def _flag(label: Any) -> forms.BooleanField:
    return forms.BooleanField(
        label=label, required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )


class DataRequestForm(forms.Form):
    """An OPD's request: what for, on which legal basis, which persons, which fields."""

    programme = forms.CharField(label=_("Programme"), max_length=300)
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("If the programme needs full NIK/KK, say why here."),
    )
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}))
    desil = forms.MultipleChoiceField(
        label=_("Deciles"), choices=DESIL_CHOICES, required=False, widget=CHECKBOXES
    )
    regions = forms.CharField(
        label=_("Regions (Kemendagri codes)"),
        required=False,
        help_text=_("Kota, kecamatan or kelurahan codes, e.g. 31.73 31.73.04.1002; empty: all."),
    )
    age_min = _number(_("Age from"), 130)
    age_max = _number(_("Age up to"), 130)
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, required=False)
    household_size_min = _number(_("Household members from"), 50)
    household_size_max = _number(_("Household members up to"), 50)
    head_only = _flag(_("Heads of household only (one row per household)"))
    with_children_under_6 = _flag(_("Households with a child under 6"))
    with_elderly = _flag(_("Households with a member aged 60 or more"))
    # Named like the model field the services key their errors on; shadows `Form.fields` only
    # in the class body (the metaclass moves it into the `fields` dict).
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]
        label=_("Fields needed"), choices=FIELD_CHOICES, widget=CHECKBOXES
    )
    needs_identifiers = _flag(_("The purpose needs full NIK/KK (otherwise they are masked)"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)

    @classmethod
    def initial_for(cls, request: DataRequest) -> dict[str, Any]:
        criteria = dict(request.criteria)
        initial: dict[str, Any] = {
            "programme": request.programme,
            "purpose": request.purpose,
            "legal_basis": request.legal_basis,
            "fields": list(request.fields),
            "needs_identifiers": request.needs_identifiers,
            "version": request.version,
        }
        for key in CRITERIA_FIELDS:
            if key in criteria:
                initial[key] = criteria[key]
        initial["desil"] = [str(d) for d in criteria.get("desil", [])]
        initial["regions"] = " ".join(criteria.get("regions", []))
        return initial

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "programme": data["programme"],
            "purpose": data["purpose"],
            "legal_basis": data["legal_basis"],
            "criteria": {key: data.get(key) for key in CRITERIA_FIELDS},
            "fields": list(data["fields"]),
            "needs_identifiers": bool(data.get("needs_identifiers")),
        }


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve")),
            ("changes", _("Return for changes")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    approved_fields = forms.MultipleChoiceField(
        label=_("Fields approved"), choices=FIELD_CHOICES, required=False, widget=CHECKBOXES
    )
    identifiers_approved = _flag(_("Give full NIK/KK (the purpose needs them)"))
    valid_days = forms.IntegerField(
        label=_("Extract valid for (days)"), min_value=1, max_value=MAX_VALID_DAYS, initial=30
    )
    note = forms.CharField(
        label=_("Note to the OPD"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning or rejecting."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, request: DataRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)
        requested = set(request.fields)
        approved = cast(forms.MultipleChoiceField, self.fields["approved_fields"])
        approved.choices = [c for c in FIELD_CHOICES if c[0] in requested]
        if not request.needs_identifiers:
            del self.fields["identifiers_approved"]


class ReturnForm(forms.Form):
    """The data balikan: the OPD's beneficiary list for the programme."""

    file = forms.FileField(label=_("Beneficiary list (CSV, XLSX or Parquet)"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    mapping = forms.CharField(
        label=_("Column mapping (one COLUMN=field per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "font-monospace"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".csv", ".txt", ".xlsx", ".parquet")):
            raise ValidationError(_("Use a CSV, XLSX or Parquet file."))
        return upload

    def clean_mapping(self) -> dict[str, str]:
        from tkpk.targeting.services_lists import list_mapping_parse  # noqa: PLC0415

        lines = [line.strip() for line in self.cleaned_data["mapping"].splitlines() if line.strip()]
        return list_mapping_parse(lines)
