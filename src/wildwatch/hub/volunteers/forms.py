"""Registration (Django's ``UserCreationForm``, with its password validation) and the volunteer submission form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wildwatch.detect.categories import PRODUCTS
from wildwatch.hub.public.services import PRODUCT_LABELS
from wildwatch.hub.reports.services import ReportError, locate

from . import services


class RegistrationForm(UserCreationForm):  # type: ignore[type-arg]
    email = forms.EmailField(label=_("E-mail address"), required=False,
                             help_text=_("Optional: for a forgotten password. Never shown to platforms."))

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined,misc]
        fields = ("username", "email")


def _lines(text: str) -> list[tuple[int, str]]:
    """(line number, stripped line) for the lines of ``text`` that are not blank."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


class SubmissionForm(forms.Form):
    urls = forms.CharField(
        label=_("Web addresses of the listings"), max_length=60_000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("One address per line, each starting with https:// or http://. Listings of the same seller can "
                    "go in one submission."))
    species_text = forms.CharField(label=_("Species"), max_length=300, required=False,
                                   help_text=_("The animal or plant, as you know it: a common or scientific name."))
    product = forms.ChoiceField(label=_("Product"), required=False)
    seller_handle = forms.CharField(label=_("Seller's name or handle"), max_length=200, required=False)
    seller_contacts = forms.CharField(
        label=_("Seller's contacts"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("As shown in the listing, one per line: phone numbers, e-mail addresses, messaging handles or "
                    "profile links."))
    notes = forms.CharField(label=_("Notes"), max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
                            help_text=_("What made you suspicious. Leave out anybody's personal data other than "
                                        "the seller's details shown in the listing."))
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.nonce = ""
        #: the form's token was too old (or not this user's): ``renew_token`` before showing the form again
        self.token_expired = False
        product = self.fields["product"]
        assert isinstance(product, forms.ChoiceField)
        product.choices = [("", _("Not sure")), *((p, PRODUCT_LABELS[p]) for p in PRODUCTS)]
        if not self.is_bound:
            self.initial["token"] = services.new_token(user)

    def clean_urls(self) -> list[str]:
        lines = _lines(self.cleaned_data["urls"])
        if not lines:
            raise forms.ValidationError(_("Give at least one web address."), code="required")
        if len(lines) > services.MAX_URLS:
            raise forms.ValidationError(
                ngettext("At most %(max)s address per submission: split the list.",
                         "At most %(max)s addresses per submission: split the list.", services.MAX_URLS)
                % {"max": services.MAX_URLS}, code="too_many")
        errors = []
        for number, line in lines:
            try:
                locate(line)
            except ReportError:
                errors.append(forms.ValidationError(
                    _("Line %(line)s is not a web address of a listing: %(value)s"),
                    code="invalid_url", params={"line": number, "value": line[:200]}))
        if errors:
            raise forms.ValidationError(errors)
        return [line for _n, line in lines]

    def clean_seller_contacts(self) -> list[str]:
        lines = _lines(self.cleaned_data["seller_contacts"])
        if len(lines) > services.MAX_CONTACTS:
            raise forms.ValidationError(_("At most %(max)s contacts."), params={"max": services.MAX_CONTACTS})
        if any(len(line) > 200 for _n, line in lines):
            raise forms.ValidationError(_("A contact is over 200 characters long."))
        contacts: list[str] = []
        for _n, line in lines:
            value = services.normalise_contact(line)
            if value not in contacts:
                contacts.append(value)
        return contacts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.nonce = services.read_token(self.user, data.get("token", ""))
        except services.TokenError:
            self.token_expired = True
            self.add_error(None, forms.ValidationError(
                _("This form has expired. Check your entries and send them again."), code="expired"))
        return data

    def submission(self) -> services.Submission:
        data = self.cleaned_data
        return services.Submission(urls=data["urls"], species_text=data["species_text"], product=data["product"],
                                   seller_handle=data["seller_handle"], seller_contacts=data["seller_contacts"],
                                   notes=data["notes"])

    def renew_token(self) -> None:
        """A fresh token in the re-shown form (after an expired one), keeping every other entry."""
        token = services.new_token(self.user)
        if isinstance(self.data, QueryDict):
            data = self.data.copy()
            data["token"] = token
            self.data = data
        else:
            self.data = {**self.data, "token": token}


class DeleteAccountForm(forms.Form):
    """The confirmation of a volunteer's request to delete their account: their password and a tick."""

    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(label=_("I understand: my account and my personal data are deleted for good. My "
                                         "reports stay, without my name."))

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return str(password)

