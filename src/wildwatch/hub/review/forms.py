"""The forms of triage and review: a rejection's reason, a decision, a reopening's reason, a member's SLA."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wildwatch.detect.categories import CATEGORIES
from wildwatch.hub.public.services import CATEGORY_LABELS
from wildwatch.hub.reports.models import Action

from .services import MAX_SLA_HOURS


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
                             help_text=_("Kept in the audit log for good: name no person (no seller contact, no "
                                         "reporter)."))


class DecisionForm(forms.Form):
    category = forms.ChoiceField(label=_("Policy category"), choices=[(c, CATEGORY_LABELS[c]) for c in CATEGORIES])
    action = forms.ChoiceField(label=_("Action taken"), choices=Action.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))


class SlaForm(forms.Form):
    sla_hours = forms.IntegerField(
        label=_("Review SLA (hours)"), min_value=1, max_value=MAX_SLA_HOURS,
        help_text=_("How long after referral a case should be decided; later, it counts as overdue."))
    queue_order = forms.ChoiceField(
        label=_("Queue order"), required=False,
        choices=[("urgent", _("Most urgent first")),
                 ("uncertain", _("Overdue first, then the cases the classifier is least sure of"))],
        help_text=_("Active learning: reviewers see first the cases whose decisions teach the classifier the most "
                    "(needs the hub's classifier; unscored cases come after, most urgent first)."))
