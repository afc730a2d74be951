"""Forms of the musyawarah kelurahan page: a decision per household, a new candidate, submit."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tkpk.regions.models import Level, Region
from tkpk.targeting.models import VerificationDecisionKind
from tkpk.targeting.services_verification import HOUSEHOLD_DECISIONS, minutes_check

SEX_CHOICES = [("", "—"), ("L", _("Male")), ("P", _("Female"))]


class KelurahanChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class DecisionForm(forms.Form):
    """One household's decision; `version` is the decision's version when the page was drawn."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", "—")]
        + [(k.value, k.label) for k in VerificationDecisionKind if k in HOUSEHOLD_DECISIONS],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    moved_to = KelurahanChoiceField(
        label=_("Moved to kelurahan"),
        queryset=Region.objects.filter(level=Level.KELURAHAN).order_by("name"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    member = forms.TypedChoiceField(
        label=_("Member who died"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, members: list[dict[str, Any]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.set_members(members or [])

    def set_members(self, members: list[dict[str, Any]]) -> None:
        """Members as the page shows them (masked name, birth year), keyed by release row."""
        member_field = cast(forms.TypedChoiceField, self.fields["member"])
        member_field.choices = [("", "—")] + [
            (m["row"], f"{m['name']} ({m['birth_date'] or '?'})") for m in members
        ]


class CandidateForm(forms.Form):
    """A person the musyawarah proposes who is not in the release."""

    nik = forms.CharField(label=_("NIK"), max_length=16, min_length=16)
    kk = forms.CharField(label=_("No. KK"), max_length=16, min_length=16)
    name = forms.CharField(label=_("Name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES)
    birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    desil = forms.TypedChoiceField(
        label=_("Proposed desil"),
        coerce=int,
        choices=[("", "—")] + [(str(i), str(i)) for i in range(1, 11)],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if name in ("sex", "desil") else "form-control"
            field.widget.attrs.setdefault("class", css + " form-control-sm")
        for name in ("nik", "kk"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})


class SubmitForm(forms.Form):
    held_on = forms.DateField(
        label=_("Held on"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    minutes = forms.FileField(
        label=_("Berita acara (PDF, JPG, PNG or DOCX, at most 10 MB)"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".pdf,.jpg,.jpeg,.png,.docx"}
        ),
    )
    # Submitting freezes the decisions: the verifier says so explicitly.
    confirm = forms.BooleanField(
        label=_("The decisions are those of the musyawarah; after submitting they are final."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_minutes(self) -> Any:
        upload = self.cleaned_data["minutes"]
        try:
            minutes_check(upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["minutes"]) from exc
        return upload
