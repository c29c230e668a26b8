"""API-key pages for member admins: list their company's keys, create, rotate (with a grace period) and revoke.

A new key's plaintext is shown once, in the response to the form that created it, and never stored."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import services
from .models import ApiKey, Organisation, Platform
from .permissions import roles_required
from .roles import Role

GRACE_CHOICES = [("0", gettext_lazy("at once")), ("1", gettext_lazy("in 1 hour")), ("24", gettext_lazy("in 24 hours")),
                 ("168", gettext_lazy("in 7 days"))]


class PlatformChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Platform) -> str:
        return obj.name


class KeyForm(forms.Form):
    platform = PlatformChoice(label=gettext_lazy("Platform"), queryset=Platform.objects.none())
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=[
        (Role.ENGINEER, Role.ENGINEER.label), (Role.REVIEWER, Role.REVIEWER.label)])
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False,
                           help_text=gettext_lazy("Where the key is used, e.g. 'posting pipeline'."))


class RotateForm(forms.Form):
    grace = forms.ChoiceField(label=gettext_lazy("The old key stops working"), choices=GRACE_CHOICES, initial="24")


def _admin_org(request: HttpRequest) -> Organisation:
    """The member company the user administers (their first, if several)."""
    org = Organisation.objects.filter(memberships__user=request.user.pk, memberships__role=Role.MEMBER_ADMIN,
                                      kind="member").order_by("name").first()
    if org is None:
        raise PermissionDenied("only a member company's admins manage its API keys")
    return org


def _own_key(request: HttpRequest, prefix: str) -> ApiKey:
    key = get_object_or_404(ApiKey.objects.select_related("platform__organisation"), prefix=prefix)
    admin_of = Organisation.objects.filter(memberships__user=request.user.pk, memberships__role=Role.MEMBER_ADMIN)
    if key.platform.organisation not in admin_of:
        raise PermissionDenied("another organisation's key")
    return key


def _page(request: HttpRequest, org: Organisation, form: KeyForm, *, created: ApiKey | None = None,
          plaintext: str = "", status: int = 200) -> HttpResponse:
    response = render(request, "accounts/keys.html", {
        "organisation": org, "keys": services.keys_of_organisation(org), "form": form, "rotate_form": RotateForm(),
        "created": created, "plaintext": plaintext}, status=status)
    response["Cache-Control"] = "no-store"  # a page may carry a new key's plaintext
    return response


@roles_required({Role.MEMBER_ADMIN})
def keys(request: HttpRequest) -> HttpResponse:
    org = _admin_org(request)
    form = KeyForm(request.POST or None)
    form.fields["platform"].queryset = org.platforms.all()  # type: ignore[attr-defined]
    if request.method == "POST":
        if not form.is_valid():
            return _page(request, org, form, status=422)
        platform = form.cleaned_data["platform"]
        try:
            key, plaintext = services.create_api_key(org.slug, platform.slug, form.cleaned_data["role"],
                                                     name=form.cleaned_data["name"], actor=request.user)
        except services.AccountsError as exc:
            form.add_error(None, str(exc))
            return _page(request, org, form, status=422)
        fresh = KeyForm()
        fresh.fields["platform"].queryset = org.platforms.all()  # type: ignore[attr-defined]
        return _page(request, org, fresh, created=key, plaintext=plaintext)
    return _page(request, org, form)


@roles_required({Role.MEMBER_ADMIN})
@require_POST
def rotate(request: HttpRequest, prefix: str) -> HttpResponse:
    key = _own_key(request, prefix)
    org = key.platform.organisation
    rotate_form = RotateForm(request.POST)
    form = KeyForm()
    form.fields["platform"].queryset = org.platforms.all()  # type: ignore[attr-defined]
    if not rotate_form.is_valid():
        messages.error(request, _("Choose when the old key stops working."))
        return redirect("api_keys")
    try:
        new, plaintext = services.rotate_api_key(key, grace=timedelta(hours=int(rotate_form.cleaned_data["grace"])),
                                                 actor=request.user)
    except services.AccountsError as exc:
        messages.error(request, str(exc))
        return redirect("api_keys")
    return _page(request, org, form, created=new, plaintext=plaintext)


@roles_required({Role.MEMBER_ADMIN})
@require_POST
def revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    key = _own_key(request, prefix)
    services.revoke_api_key(key, actor=request.user)
    messages.success(request, _("Key %(prefix)s is revoked: it no longer works.") % {"prefix": key.prefix})
    return redirect("api_keys")
