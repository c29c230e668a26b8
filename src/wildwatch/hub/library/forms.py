"""The library pages' forms: plain Django forms, checked again by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .bulk import MAX_BYTES
from .models import CATEGORY_CHOICES, CONTEXT_CHOICES, KIND_CHOICES, PRODUCT_CHOICES, Proposal, Term

SORTS = [("", _("Kind, language, term")), ("-precision", _("Precision, highest first")),
         ("precision", _("Precision, lowest first")), ("-hits", _("Hits, most first")),
         ("hits", _("Hits, fewest first"))]
_ANY: list[tuple[str, Any]] = [("", _("Any"))]
_NONE: list[tuple[str, Any]] = [("", "—")]


class TermFilterForm(forms.Form):
    q = forms.CharField(label=_("Text contains"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=[*_ANY, *KIND_CHOICES], required=False)
    lang = forms.CharField(label=_("Language code"), required=False, max_length=16)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[*_ANY, (Term.Status.ACTIVE, _("Active")),
                                        (Term.Status.RETIRED, _("Retired"))])
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)


class TermFieldsForm(forms.Form):
    """The fields of a proposed term (add or edit); the services apply the library's rules."""

    term = forms.CharField(label=_("Term"), max_length=300)
    lang = forms.CharField(label=_("Language code"), max_length=16, help_text=_("For example en, fr, zh."))
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    taxon = forms.CharField(label=_("Taxon id"), required=False, max_length=120,
                            help_text=_("For example loxodonta-africana; leave empty for none."))
    group = forms.CharField(label=_("Group"), required=False, max_length=80)
    product = forms.ChoiceField(label=_("Product type"), choices=[*_NONE, *PRODUCT_CHOICES], required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[*_NONE, *CATEGORY_CHOICES], required=False)
    ambiguous = forms.BooleanField(label=_("Ambiguous (also has innocent meanings)"), required=False)
    context = forms.ChoiceField(label=_("Benign context"), choices=[*_NONE, *CONTEXT_CHOICES], required=False)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500,
                           help_text=_("Separate tags with semicolons."))
    source = forms.CharField(label=_("Source"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @staticmethod
    def initial_for(term: Term) -> dict[str, Any]:
        return {"term": term.term, "lang": term.lang, "kind": term.kind,
                "taxon": term.taxon.taxon_id if term.taxon else "", "group": term.group, "product": term.product,
                "category": term.category, "ambiguous": term.ambiguous, "context": term.context,
                "tags": "; ".join(term.tags), "source": term.source}

    def payload(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class ProposeForm(forms.Form):
    action = forms.ChoiceField(label=_("Change"), choices=[(Proposal.Action.ADD, _("Add a term")),
                                                            (Proposal.Action.EDIT, _("Edit a term")),
                                                            (Proposal.Action.RETIRE, _("Retire a term"))])
    term_pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Evidence or reason, for the analyst who reviews the proposal."))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve and apply")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when rejecting."))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"),
                           help_text=_("At most 5 MiB and 5,000 rows; the first row names the columns."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MiB."))
        return upload


class PublishForm(forms.Form):
    changelog = forms.CharField(label=_("Changelog"), widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("What changed since the last release."))
