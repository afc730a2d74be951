from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from tkpk.accounts.models import Organisation

MAX_XLSX_BYTES = 5 * 1024 * 1024


class OrganisationChoiceField(forms.ModelChoiceField[Organisation]):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.acronym})" if obj.acronym else obj.name


class MatrixOrganisationForm(forms.Form):
    """The OPD whose rows are downloaded: any OPD for the drafting team, else the user's own."""

    opd = OrganisationChoiceField(
        label=_("OPD"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["opd"]
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by(
            "name"
        )
        field.widget.attrs["class"] = "form-select"


class MatrixUploadForm(MatrixOrganisationForm):
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
