from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=100)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def clean_search_text(value: str | None, *, max_length: int = 100) -> str:
    """A free-text search term as typed: control characters (NUL included, which PostgreSQL
    refuses in text) removed, whitespace collapsed, length bounded."""
    if not value:
        return ""
    printable = "".join(ch for ch in value if ch.isprintable() or ch == " ")
    return " ".join(printable.split())[:max_length]
