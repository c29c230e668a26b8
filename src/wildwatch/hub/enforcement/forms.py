"""Forms of the officers' pages: a new hold (its identifiers normalised as the checks will be), the case filters and
subscriptions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Organisation, Platform
from wildwatch.hub.accounts.roles import OrgKind
from wildwatch.hub.library.models import Taxon

from . import identifiers as ids
from . import monitoring
from .models import HoldKind
from .services import MAX_HOLD_DAYS

MAX_CONTACTS = 50


class PlatformChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Platform) -> str:
        return obj.name


class HoldForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of hold"), choices=HoldKind.choices, widget=forms.RadioSelect,
                             initial=HoldKind.DO_NOT_ACT)
    case_reference = forms.CharField(label=_("Your case reference"), max_length=100,
                                     help_text=_("Seen only by your agency's officers."))
    until = forms.DateField(label=_("The hold ends on"), widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("At most 366 days from today. On that date the hold no longer applies."))
    url = forms.CharField(label=_("Listing URL"), max_length=2048, required=False,
                          widget=forms.URLInput(attrs={"autocomplete": "off"}))
    seller_platform = PlatformChoice(label=_("Seller's platform"), queryset=Platform.objects.none(), required=False,
                                     empty_label=_("No seller account"))
    seller_account = forms.CharField(label=_("Seller's account on that platform"), max_length=200, required=False)
    contacts = forms.CharField(label=_("Seller's contacts"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("One per line: phone numbers, e-mail addresses, messaging handles or "
                                           "links (wa.me/…, t.me/…). Numbers without a country code are read as "
                                           "numbers of your agency's country."))

    def __init__(self, *args: Any, agency: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.identifiers: list[ids.Identifier] = []
        self.fields["seller_platform"].queryset = Platform.objects.filter(  # type: ignore[attr-defined]
            organisation__kind=OrgKind.MEMBER).order_by("name")

    def clean_until(self) -> Any:
        until = self.cleaned_data["until"]
        today = timezone.localdate()
        if until <= today:
            raise forms.ValidationError(_("Choose a date after today."))
        if until > today + timedelta(days=MAX_HOLD_DAYS):
            raise forms.ValidationError(_("A hold lasts at most 366 days: choose an earlier date."))
        return until

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        found: list[ids.Identifier] = []
        url = (data.get("url") or "").strip()
        if url:
            try:
                found.append(ids.url_identifier(url))
            except ValueError:
                self.add_error("url", _("Enter a web address starting with http:// or https://."))
        platform, account = data.get("seller_platform"), (data.get("seller_account") or "").strip()
        if platform is not None and account:
            seller = ids.seller_identifier(platform.slug, account)
            if seller is not None:
                found.append(seller)
        elif platform is not None:
            self.add_error("seller_account", _("Enter the seller's account on the platform you chose."))
        elif account:
            self.add_error("seller_platform", _("Choose the platform of the seller's account."))
        lines = [line.strip() for line in (data.get("contacts") or "").splitlines() if line.strip()]
        if len(lines) > MAX_CONTACTS:
            self.add_error("contacts", _("At most 50 contacts in one hold."))
        region = self.agency.country or None
        for number, line in enumerate(lines[:MAX_CONTACTS], 1):
            ident = ids.contact_identifier(line, region)
            if ident is None:
                self.add_error("contacts", _("Line %(number)s is not a phone number, e-mail address or messaging "
                                             "handle.") % {"number": number})
            else:
                found.append(ident)
        if not found and not self.errors:
            raise forms.ValidationError(_("Enter at least one identifier: a listing URL, a seller's account or a "
                                          "contact."))
        self.identifiers = found
        return data


class CaseFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), *[(s.value, s.label) for s in monitoring.VISIBLE_STATUSES]])
    min_severity = forms.IntegerField(label=_("Lowest severity"), required=False, min_value=0, max_value=100)


def _country_choices() -> list[tuple[str, str]]:
    language = get_language() or "en"
    names = [(code, monitoring.country_name(code, language)) for code in monitoring.country_codes()]
    return [("", gettext("Any country")), *sorted(names, key=lambda item: item[1].casefold())]


class SubscriptionForm(forms.Form):
    species = forms.CharField(label=_("Species"), max_length=200, required=False,
                              help_text=_("Scientific name, common name or taxon id, e.g. Manis javanica."))
    country = forms.ChoiceField(label=_("Country"), required=False, choices=_country_choices,
                                help_text=_("A country of the platform or of the seller's stated location."))

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        text = (data.get("species") or "").strip()
        data["taxon"] = None
        if text:
            taxon = (Taxon.objects.filter(Q(taxon_id=text) | Q(scientific_name__iexact=text)).first()
                     or Taxon.objects.filter(names__name__iexact=text).first())
            if taxon is None:
                self.add_error("species", _("No species of the library has this name."))
            data["taxon"] = taxon
        if not text and not data.get("country") and not self.errors:
            raise forms.ValidationError(_("Choose a species, a country, or both."))
        return data
