"""Forms of the attestation and model-policy pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Organisation, Platform

from .indicators import ATTESTED_KEYS, INDICATORS
from .models import Attestation, ModelPolicy

DATE = forms.DateInput(attrs={"type": "date"})


class AttestationForm(forms.Form):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Company"), queryset=Organisation.objects.none())
    platform: forms.ModelChoiceField[Platform] = forms.ModelChoiceField(
        label=_("Platform"), queryset=Platform.objects.none(), required=False,
        empty_label=_("The whole company"))
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period to"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [o.pk for o in organisations]
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=ids, kind="member")
        self.fields["platform"].queryset = Platform.objects.filter(  # type: ignore[attr-defined]
            organisation_id__in=ids)
        for key in ATTESTED_KEYS:
            self.fields[f"figure_{key}"] = forms.DecimalField(label=INDICATORS[key].label, required=False,
                                                              min_value=0, max_digits=14, decimal_places=2)

    @classmethod
    def initial_of(cls, attestation: Attestation) -> dict[str, Any]:
        initial: dict[str, Any] = {"organisation": attestation.organisation_id,
                                   "platform": attestation.platform_id, "period_start": attestation.period_start,
                                   "period_end": attestation.period_end, "note": attestation.note}
        initial.update({f"figure_{k}": v for k, v in (attestation.figures or {}).items()})
        return initial

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        platform, org = data.get("platform"), data.get("organisation")
        if platform is not None and org is not None and platform.organisation_id != org.pk:
            raise forms.ValidationError(_("The platform is not the company's."))
        return data

    def figures(self) -> dict[str, float]:
        return {k: float(v) for k in ATTESTED_KEYS
                if (v := self.cleaned_data.get(f"figure_{k}")) is not None}

    def figure_fields(self) -> list[forms.BoundField]:
        return [self[f"figure_{k}"] for k in ATTESTED_KEYS]


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment (needed to send it back)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class PolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ModelPolicy
        fields = ["categories_en", "categories_fr", "species_groups_en", "species_groups_fr", "products_en",
                  "products_fr"]
        labels = {"categories_en": _("Categories (English)"), "categories_fr": _("Categories (French)"),
                  "species_groups_en": _("Species groups (English)"),
                  "species_groups_fr": _("Species groups (French)"),
                  "products_en": _("Products (English)"), "products_fr": _("Products (French)")}


class AdoptionForm(forms.Form):
    platform: forms.ModelChoiceField[Platform] = forms.ModelChoiceField(
        label=_("Platform"), queryset=Platform.objects.none())
    policy: forms.ModelChoiceField[ModelPolicy] = forms.ModelChoiceField(
        label=_("Version of the model policy"), queryset=ModelPolicy.objects.all())
    public_url = forms.URLField(label=_("Address of the public policy"), max_length=500, assume_scheme="https")
    adopted_on = forms.DateField(label=_("Adopted on"), widget=DATE)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = Platform.objects.filter(  # type: ignore[attr-defined]
            organisation__in=organisations, organisation__kind="member")
