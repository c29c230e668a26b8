"""Forms of the plans pages: a new plan with its assessment, plan items, training sessions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.accounts.roles import OrgKind, PlatformType

from . import plan_templates
from .models import ItemStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssessmentForm(forms.Form):
    """The vulnerability assessment: one yes/no question per ``plan_templates.ASSESSMENT`` entry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for q in plan_templates.ASSESSMENT:
            self.fields[f"a_{q.key}"] = forms.BooleanField(label=_(q.text), required=False)

    def assessment_fields(self) -> list[forms.BoundField]:
        return [self[f"a_{q.key}"] for q in plan_templates.ASSESSMENT]

    def answers(self) -> dict[str, bool]:
        return {q.key: bool(self.cleaned_data.get(f"a_{q.key}")) for q in plan_templates.ASSESSMENT}

    @staticmethod
    def initial_for(answers: dict[str, bool]) -> dict[str, bool]:
        return {f"a_{key}": bool(value) for key, value in answers.items()}


class NewPlanForm(AssessmentForm):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Member company"), queryset=Organisation.objects.filter(kind=OrgKind.MEMBER))
    partner: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Partner NGO"), queryset=Organisation.objects.none(), empty_label=None)
    platform_type = forms.ChoiceField(label=_("Platform type"), choices=PlatformType.choices,
                                      help_text=_("The plan starts from the template of this type."))

    def __init__(self, *args: Any, partners: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    owner = forms.CharField(label=_("Owner"), max_length=200, required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AddItemForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.CharField(label=_("Owner"), max_length=200, required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SessionForm(forms.Form):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Member company"), queryset=Organisation.objects.none())
    date = forms.DateField(label=_("Date"), widget=DATE)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    trainer: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Trainer"), queryset=Organisation.objects.exclude(kind=OrgKind.VOLUNTEERS),
        help_text=_("The organisation that gave the training."))
    staff_trained = forms.IntegerField(label=_("Staff trained"), min_value=1)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, companies: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = companies  # type: ignore[attr-defined]

    def clean_date(self) -> Any:
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Record sessions that have taken place: this date is in the future."))
        return value
