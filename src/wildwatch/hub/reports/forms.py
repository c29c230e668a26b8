"""The public report form, and the species names it suggests.

The species suggestions come from the public species search (``Taxon`` and ``CommonName``); the confidential
``Term`` table is never read here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from wildwatch.detect.categories import PRODUCTS
from wildwatch.hub.library.models import CommonName, Taxon
from wildwatch.hub.public.services import PRODUCT_LABELS, find_taxa, visitor_language

from . import screenshots
from .services import ReportError, Where, locate

DATALIST_ID = "species-names"
#: the honeypot: hidden from people, filled by robots that fill every field
HONEYPOT = "fax_number"
MAX_SUGGESTIONS = 15


# --- species names for the datalist ------------------------------------------------------------------------------


def species_suggestions(query: str, limit: int = MAX_SUGGESTIONS) -> list[tuple[str, str]]:
    """(name, hint) of the protected taxa whose name matches what the reporter typed, best first, from the public
    species search (``public.services.find_taxa``): the common name that matched (the hint: the scientific name),
    or the scientific name (after a common name in the visitor's language that contains the query, if any). Names
    are given for a query, never all at once, as on the public species page."""
    query = query.strip()
    if not query:
        return []
    matches = find_taxa(query)[:limit]
    pks = [m.taxon_pk for m in matches]
    scientific = dict(Taxon.objects.filter(pk__in=pks).values_list("pk", "scientific_name"))
    local: dict[int, str] = {}
    for taxon_pk, name in (CommonName.objects.filter(taxon_id__in=[m.taxon_pk for m in matches if m.matched is None],
                                                     lang=visitor_language(), name__icontains=query)
                           .order_by("ambiguous", "name").values_list("taxon_id", "name")):
        local.setdefault(taxon_pk, name)
    out: list[tuple[str, str]] = []
    for match in matches:
        latin = scientific.get(match.taxon_pk, "")
        if match.matched is not None:
            out.append((match.matched.name, latin))
            continue
        if match.taxon_pk in local:
            out.append((local[match.taxon_pk], latin))
        out.append((latin, ""))
    seen: set[str] = set()
    unique: list[tuple[str, str]] = []
    for name, hint in out:
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append((name, hint))
    return unique[:limit]


# --- the form ----------------------------------------------------------------------------------------------------


def product_choices() -> list[tuple[str, Any]]:
    return [("", _("Not sure, or something else")), *((p, PRODUCT_LABELS[p]) for p in PRODUCTS)]


class PublicReportForm(forms.Form):
    url = forms.CharField(
        label=_("Address (URL) of the listing"), max_length=2048,
        widget=forms.URLInput(attrs={"autocomplete": "off", "inputmode": "url", "spellcheck": "false"}),
        help_text=_("Copy it from your browser's address bar, or from the Share button of the app."))
    platform = forms.CharField(
        label=_("Website or app"), max_length=100, required=False,
        help_text=_("Optional: we recognise the platforms of the coalition's members from the address."))
    species = forms.CharField(
        label=_("Animal or plant"), max_length=300, required=False,
        widget=forms.TextInput(attrs={"list": DATALIST_ID, "autocomplete": "off"}),
        help_text=_("Its name as you know it, in any language; suggestions come from the list of protected "
                    "species."))
    product = forms.ChoiceField(label=_("What is sold"), required=False, choices=product_choices)
    details = forms.CharField(
        label=_("Anything else we should know"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional: the seller's name, the price, why the listing worries you."))
    screenshot = forms.FileField(
        label=_("Screenshot"), required=False,
        widget=forms.FileInput(attrs={"accept": screenshots.ACCEPT}),
        help_text=_("Optional: a PNG, JPEG, WebP or GIF image of at most 5 MB."))
    discard_screenshot = forms.BooleanField(label=_("Remove the screenshot kept from your last try"), required=False)
    email = forms.EmailField(
        label=_("Your e-mail address"), required=False, max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Optional: for news of this report. We never show it to the platforms."))
    token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    fax_number = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    def __init__(self, *args: Any, kept: screenshots.Screenshot | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: the screenshot kept from the reporter's last try, if any
        self.kept = kept
        #: where the listing is (after validation)
        self.where: Where | None = None
        #: the screenshot to file (after validation): a new upload, or the kept one
        self.shot: screenshots.Screenshot | None = None
        #: a new, valid upload (to keep if another field is wrong)
        self.new_shot: screenshots.Screenshot | None = None

    @property
    def visible(self) -> list[forms.BoundField]:
        hidden = {"token", HONEYPOT, "discard_screenshot"}
        return [f for f in self if f.name not in hidden]

    @property
    def robot(self) -> bool:
        """The honeypot field is filled."""
        return bool(str(self.data.get(HONEYPOT, "")).strip()) if self.is_bound else False

    def clean_url(self) -> str:
        value: str = self.cleaned_data["url"].strip()
        if value and "://" not in value and not value.startswith("//"):
            value = "https://" + value  # "shop.example/item/1", as people often copy it
        try:
            self.where = locate(value)
        except ReportError as exc:
            raise forms.ValidationError(
                _("This is not the address of a web page. Copy the whole address, such as "
                  "https://shop.example/item/123."), code="invalid") from exc
        return value

    def clean_screenshot(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("screenshot")
        if not upload:
            return None
        try:
            self.new_shot = screenshots.check(upload)
        except screenshots.BadScreenshot as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.robot:
            raise forms.ValidationError(_("Your report could not be sent. Check your entries and send the form "
                                          "again."), code="honeypot")
        if not data.get("species") and not data.get("product") and "species" not in self.errors:
            self.add_error("species", forms.ValidationError(
                _("Tell us what is sold: the animal or plant, the kind of product, or both."), code="required"))
        if self.new_shot is not None:
            self.shot = self.new_shot
        elif self.kept is not None and not data.get("discard_screenshot") and "screenshot" not in self.errors:
            self.shot = self.kept
        return data
