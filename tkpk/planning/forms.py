from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.planning.models import MatrixRow, Plan, PlanKind, Programme

ROW_FIELDS = [
    "level",
    "code",
    "name",
    "parent",
    "rpkd_programme",
    "opd",
    "indicator",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_q1",
    "target_q2",
    "target_q3",
    "target_q4",
    "budget",
    "source_of_funds",
    "target_group",
    "deviation_note",
]


class MatrixRowForm(forms.ModelForm[MatrixRow]):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    location_codes = forms.CharField(
        label=_("Locations (kelurahan codes, comma-separated)"), required=False, max_length=2000
    )

    class Meta:
        model = MatrixRow
        fields = ROW_FIELDS

    def __init__(self, *args: Any, plan: Plan, user_opds: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = plan.matrix.all()  # type: ignore[attr-defined]
        programmes = (
            Programme.objects.filter(plan=plan.rpkd) if plan.rpkd else Programme.objects.none()
        )
        self.fields["rpkd_programme"].queryset = programmes  # type: ignore[attr-defined]
        opds = Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True)
        if user_opds is not None:
            opds = opds.filter(pk__in=user_opds)
        self.fields["opd"].queryset = opds  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["lock_version"].initial = self.instance.lock_version
            self.fields["location_codes"].initial = ", ".join(
                r.pk for r in self.instance.locations.all()
            )

    def clean_location_codes(self) -> list[Any]:
        from tkpk.regions.models import Region  # noqa: PLC0415

        codes = [c.strip() for c in self.cleaned_data["location_codes"].split(",") if c.strip()]
        found = {r.pk: r for r in Region.objects.filter(pk__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown region codes: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in codes]


class SectionForm(forms.Form):
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "form-control font-monospace"}),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


class EnactForm(forms.Form):
    decree_number = forms.CharField(label=_("Keputusan Gubernur number"), max_length=100)
    decree_date = forms.DateField(
        label=_("Keputusan Gubernur date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Plan year"), min_value=2000, max_value=2100)
    rpkd = forms.ModelChoiceField(label=_("RPKD"), queryset=Plan.objects.filter(kind=PlanKind.RPKD))
