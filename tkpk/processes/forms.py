from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

MAX_BPMN_BYTES = 5 * 1024 * 1024


class VersionUploadForm(forms.Form):
    """A new version of a map: a .bpmn file, or the XML itself (as the editor sends it)."""

    file = forms.FileField(
        label=_("BPMN file"),
        required=False,
        validators=[FileExtensionValidator(["bpmn", "xml"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".bpmn,.xml"}),
    )
    xml = forms.CharField(
        label=_("or paste the BPMN XML"),
        required=False,
        strip=False,
        max_length=MAX_BPMN_BYTES,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    change_note = forms.CharField(
        label=_("Change note"),
        required=True,
        max_length=2000,
        help_text=_("What changed and why, for the readers of the version list."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    publish = forms.BooleanField(
        label=_("Publish now"),
        required=False,
        help_text=_("Otherwise the version is kept as a draft that can be published later."),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data.get("file")
        if not upload:
            return ""
        if upload.size and upload.size > MAX_BPMN_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            return bytes(upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("The file is not a text file (BPMN is XML in UTF-8).")
            ) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_file = bool(data.get("file"))
        has_xml = bool((data.get("xml") or "").strip())
        if "file" in self.errors:
            return data
        if has_file == has_xml:
            raise forms.ValidationError(_("Choose a BPMN file or paste the XML (one of the two)."))
        data["diagram"] = data["file"] if has_file else data["xml"]
        return data
