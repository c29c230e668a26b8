"""The public species search form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_QUERY_LENGTH, search_languages


class SpeciesSearchForm(forms.Form):
    q = forms.CharField(label=_("Name of an animal or plant"), required=False, max_length=MAX_QUERY_LENGTH,
                        strip=True, widget=forms.SearchInput(attrs={"autocomplete": "off"}),
                        help_text=_("A common name in any language, or a scientific name."))
    lang = forms.ChoiceField(label=_("Language of the name"), required=False)
    group = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lang"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any language")), *search_languages()]
