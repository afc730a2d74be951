"""The upload form of a quarterly report's attachments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tkpk.monitoring.models import ReportValue
from tkpk.monitoring.services_attachments import ATTACHMENT_TYPES, attachment_check


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPG, PNG, DOCX or XLSX, at most 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control form-control-sm", "accept": ",".join(ATTACHMENT_TYPES)}
        ),
    )
    value = forms.ModelChoiceField(
        label=_("Attach to"),
        queryset=ReportValue.objects.none(),
        required=False,
        empty_label=_("The whole report"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    prefix = "attachment"

    def __init__(self, *args: Any, values: list[ReportValue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["value"]
        field.queryset = ReportValue.objects.filter(pk__in=[v.pk for v in values]).select_related(
            "row"
        )
        field.label_from_instance = lambda v: f"{v.row.code} {v.row.indicator}"[:120]

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        try:
            attachment_check(upload)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["file"]) from exc
        return upload
