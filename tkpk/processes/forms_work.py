from __future__ import annotations

import ast
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.processes.engine import ParsedProcess

PARAM_FIELDS: dict[str, forms.Field] = {
    "plan_year": forms.IntegerField(label=_("Plan year"), min_value=2000, max_value=2100),
    "year": forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100),
    "quarter": forms.TypedChoiceField(
        label=_("Quarter"), coerce=int, choices=[(q, f"TW {q}") for q in (1, 2, 3, 4)]
    ),
    "period_start": forms.IntegerField(label=_("Period start (year)"), min_value=2000),
    "period_end": forms.IntegerField(label=_("Period end (year)"), min_value=2000),
    "election_date": forms.DateField(
        label=_("Date the elected head is determined"),
        widget=forms.DateInput(attrs={"type": "date"}),
    ),
    "inauguration_date": forms.DateField(
        label=_("Inauguration date"), widget=forms.DateInput(attrs={"type": "date"})
    ),
    "jenis_fasilitasi": forms.ChoiceField(
        label=_("Kind of facilitation"),
        choices=[
            ("pembaruan", _("Refresh of the target data")),
            ("permintaan", _("An OPD's request for data")),
        ],
    ),
}


def parameters_used(parsed: ParsedProcess) -> list[str]:
    """Instance parameters a map's deadline rules and conditions read, in a stable order."""
    names: set[str] = set()
    texts = [f.condition for f in parsed.flows if f.condition]
    for task in parsed.user_tasks:
        texts += [task.properties.get("deadline", ""), task.properties.get("window_start", "")]
    for text in texts:
        if not text:
            continue
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError:
            continue
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return [p for p in PARAM_FIELDS if p in names]


class InstanceStartForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(self, *args: Any, params: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in params:
            self.fields[name] = PARAM_FIELDS[name]
        self.fields["opd"] = forms.ModelChoiceField(
            label=_("On behalf of an OPD (optional)"),
            required=False,
            queryset=Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True),
            to_field_name="acronym",
        )

    def params(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in {"title", "opd"}}
        if self.cleaned_data.get("opd"):
            data["opd"] = self.cleaned_data["opd"].acronym
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class TaskCompleteForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("return", _("Return for revision"))],
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args: Any, decision_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision_required = decision_required
        if not decision_required:
            del self.fields["decision"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.decision_required and not data.get("decision"):
            self.add_error("decision", _("Choose approve or return."))
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why the draft is returned."))
        return data
