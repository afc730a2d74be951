from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tkpk.targeting.models import Source
from tkpk.targeting.services import mapping_parse


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, XLSX or Parquet)"))
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    as_of = forms.DateField(label=_("Data as of"), widget=forms.DateInput(attrs={"type": "date"}))
    mapping = forms.CharField(
        label=_("Column mapping (one COLUMN=field per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "form-control font-monospace"}),
        help_text=_(
            "Fields: nik, kk, name, sex, birth_date, birth_place, address, "
            "kelurahan_code, desil, relationship. Columns already named like the "
            "fields need no line. The mapping is saved for the source."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".parquet")):
            raise ValidationError(_("Use a CSV, XLSX or Parquet file."))
        return upload

    def clean_mapping(self) -> dict[str, str]:
        lines = [line.strip() for line in self.cleaned_data["mapping"].splitlines() if line.strip()]
        return mapping_parse(lines)
