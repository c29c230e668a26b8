"""The campaign form: window, taxa and species groups, the message in each language (English required)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.library.models import Taxon

from .models import Campaign

#: the languages a campaign's pop-up may be written in (platforms ask for the user's; English is the fallback)
MESSAGE_LANGS = ("en", "fr", "es", "pt", "de", "vi", "zh", "th", "id", "sw")
_SPLIT = re.compile(r"[\s,;]+")


def language_name(code: str) -> str:
    """The language's name in the user's language (Django's own catalog translates it)."""
    return str(get_language_info({"zh": "zh-hans"}.get(code, code))["name_translated"])


class CampaignForm(forms.ModelForm):  # type: ignore[type-arg]
    taxa_text = forms.CharField(
        label=_("Taxa"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Taxon ids of the library (such as loxodonta-africana), separated by spaces or commas."))
    learn_more_url = forms.URLField(label=_("Learn-more link"), max_length=500, required=False,
                                    assume_scheme="https")
    groups_choice = forms.MultipleChoiceField(label=_("Species groups"), required=False,
                                              widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Campaign
        fields = ["name", "slug", "start", "end", "learn_more_url"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}), "end": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"slug": _("Names the campaign in the API's answers and in the counts: it cannot be changed.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = sorted(set(Taxon.objects.exclude(group="").values_list("group", flat=True)))
        self.fields["groups_choice"].choices = [(g, g.replace("_", " ")) for g in groups]  # type: ignore[attr-defined]
        for code in MESSAGE_LANGS:
            name = language_name(code)
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name}, max_length=200, required=False)
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Message (%(language)s)") % {"language": name}, max_length=2000, required=False,
                widget=forms.Textarea(attrs={"rows": 3}))
        if self.instance.pk:
            self.fields["slug"].disabled = True
            self.initial.update(taxa_text=" ".join(self.instance.taxa), groups_choice=list(self.instance.groups))
            for code, message in self.instance.messages.items():
                self.initial.update({f"title_{code}": message.get("title", ""), f"body_{code}": message.get("body", "")})

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(("title_", "body_"))]

    def message_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(language_name(c), self[f"title_{c}"], self[f"body_{c}"]) for c in MESSAGE_LANGS]

    def clean_taxa_text(self) -> list[str]:
        ids = list(dict.fromkeys(t for t in _SPLIT.split(self.cleaned_data.get("taxa_text") or "") if t))
        known = set(Taxon.objects.filter(taxon_id__in=ids).values_list("taxon_id", flat=True))
        unknown = [t for t in ids if t not in known]
        if unknown:
            raise forms.ValidationError(_("Not taxa of the library: %(ids)s.") % {"ids": ", ".join(unknown)})
        return ids

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last day is before the first day."))
        if not data.get("taxa_text") and not data.get("groups_choice") and "taxa_text" not in self.errors:
            raise forms.ValidationError(_("Choose at least one taxon or species group."))
        messages: dict[str, dict[str, str]] = {}
        for code in MESSAGE_LANGS:
            title = (data.get(f"title_{code}") or "").strip()
            body = (data.get(f"body_{code}") or "").strip()
            if bool(title) != bool(body):
                self.add_error(f"body_{code}" if title else f"title_{code}",
                               _("A message needs both a title and a text."))
            elif title:
                messages[code] = {"title": title, "body": body}
        if "en" not in messages and not self.has_error("body_en") and not self.has_error("title_en"):
            self.add_error("title_en", _("The message in English is required: it is shown when there is none in "
                                         "the user's language."))
        self.cleaned_messages = messages
        return data

    def save(self, commit: bool = True) -> Campaign:
        campaign: Campaign = super().save(commit=False)
        campaign.taxa = self.cleaned_data["taxa_text"]
        campaign.groups = sorted(self.cleaned_data["groups_choice"])
        campaign.messages = self.cleaned_messages
        if commit:
            campaign.save()
        return campaign
