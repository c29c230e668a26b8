"""Keyword discovery: analysts see candidate terms from the review outcomes and propose or reject them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION

from .. import candidates, curation
from ..models import CATEGORY_CHOICES, KIND_CHOICES


class CandidateForm(forms.Form):
    term = forms.CharField(max_length=300)
    decision = forms.ChoiceField(choices=[("propose", "propose"), ("reject", "reject")])
    lang = forms.CharField(max_length=16, required=False, label=gettext_lazy("Language"))
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="cover", required=False, label=gettext_lazy("Kind"))
    category = forms.ChoiceField(choices=[("", "—"), *CATEGORY_CHOICES], required=False,
                                 label=gettext_lazy("Category"))
    positives = forms.IntegerField(min_value=0, required=False)
    negatives = forms.IntegerField(min_value=0, required=False)
    reason = forms.CharField(max_length=1000, required=False)


@roles_required(COALITION)
def candidate_terms(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        form = CandidateForm(request.POST)
        if not form.is_valid():
            return HttpResponse(_("Invalid candidate."), status=400, content_type="text/plain")
        data = form.cleaned_data
        try:
            if data["decision"] == "reject":
                candidates.reject(data["term"], actor=request.user, reason=data.get("reason") or "")
                messages.success(request, _("%(term)s will not be suggested again.") % {"term": data["term"]})
            else:
                if not data.get("lang"):
                    raise curation.CurationError(_("Give the candidate's language."))
                proposal = candidates.propose(data["term"], actor=request.user, lang=data["lang"],
                                              kind=data.get("kind") or "cover",
                                              category=data.get("category") or "",
                                              positives=data.get("positives") or 0,
                                              negatives=data.get("negatives") or 0)
                messages.success(request, _("Proposed: %(term)s (proposal %(id)s).") % {
                    "term": data["term"], "id": proposal.pk})
        except (curation.CurationError, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", None) or [str(exc)]))
        return redirect("library:candidates")
    found = candidates.candidates(fresh=request.GET.get("fresh") == "1")
    return render(request, "library/candidates.html", {"found": found, "is_analyst": True,
                                                      "kinds": KIND_CHOICES, "categories": CATEGORY_CHOICES})
