from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.targeting.services_lists import SUFFIXES, list_mapping_parse

QUARTERS = [("", _("Whole year")), *[(str(q), str(q)) for q in range(1, 5)]]


class BeneficiaryListForm(forms.Form):
    """The upload form; the OPD field is shown only to users who file for any OPD."""

    programme = forms.CharField(label=_("Programme"), max_length=300)
    organisation = forms.ModelChoiceField(
        label=_("OPD"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True),
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=QUARTERS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    target_desil_max = forms.IntegerField(
        label=_("Target deciles up to"),
        min_value=1,
        max_value=10,
        initial=4,
        help_text=_("Desil 1 up to this decile counts as the programme's target group."),
    )
    file = forms.FileField(label=_("File (CSV, XLSX or Parquet)"))
    mapping = forms.CharField(
        label=_("Column mapping (one COLUMN=field per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control font-monospace"}),
        help_text=_(
            "Fields: id, nik, kk, name, sex, birth_date, birth_place, address, kelurahan_code. "
            "A NIK or a name column is required; columns already named like the fields need "
            "no line."
        ),
    )

    def __init__(self, *args: Any, choose_organisation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not choose_organisation:
            del self.fields["organisation"]
        self.fields["year"].initial = timezone.localdate().year
        for name, field in self.fields.items():
            if name != "mapping":
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(SUFFIXES):
            raise ValidationError(_("Use a CSV, XLSX or Parquet file."))
        return upload

    def clean_mapping(self) -> dict[str, str]:
        lines = [line.strip() for line in self.cleaned_data["mapping"].splitlines() if line.strip()]
        return list_mapping_parse(lines)
