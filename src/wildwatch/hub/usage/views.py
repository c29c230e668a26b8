"""The usage page: what the checks of each platform found, for its own member company and for coalition analysts."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION, MEMBERS

from . import queries, services


class UsageFilter(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    platform: forms.ModelChoiceField[Platform] = forms.ModelChoiceField(
        label=_("Platform"), queryset=Platform.objects.none(), required=False, empty_label=_("All platforms"))

    def clean(self) -> dict[str, object] | None:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, date) and isinstance(until, date) and since > until:
            raise forms.ValidationError(_("'From' is after 'To'."))
        return data


@roles_required(COALITION | MEMBERS)
def usage(request: HttpRequest) -> HttpResponse:
    services.flush()  # this process's latest checks too
    today = timezone.now().date()
    form = UsageFilter(request.GET or {"since": today - timedelta(days=29), "until": today})
    form.fields["platform"].queryset = queries.visible_platforms(request.user)  # type: ignore[attr-defined]
    qs = queries.visible_counts(request.user)
    if form.is_valid():
        qs = queries.between(qs, form.cleaned_data["since"], form.cleaned_data["until"])
        if form.cleaned_data["platform"]:
            qs = qs.filter(platform=form.cleaned_data["platform"])
    else:
        qs = qs.none()
    return render(request, "usage/usage.html", {
        "form": form, "platforms": queries.by_platform(qs), "terms": queries.top_terms(qs)})
