"""Pages of two-factor authentication: set up (QR code, secret, first code), the recovery codes (shown once), the
code asked at sign-in, and the settings page (new recovery codes, turning it off where the role allows)."""

from __future__ import annotations

import io
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from . import twofactor
from .permissions import signed_in

#: Session key holding freshly issued recovery codes until the page that shows them once.
CODES_SESSION_KEY = "_wildwatch_recovery_codes"


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20, strip=True, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false", "autocapitalize": "none"}))


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return str(settings.LOGIN_REDIRECT_URL)


@signed_in
@never_cache
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "accounts/twofactor.html", {
        "enabled": twofactor.enabled_for(user), "required": twofactor.required_for(user),
        "codes_left": twofactor.recovery_codes_left(user), "form": CodeForm()})


@signed_in
@never_cache
def setup(request: HttpRequest) -> HttpResponseBase:
    try:
        device = twofactor.pending_device(request.user)
    except twofactor.TwoFactorError:
        messages.info(request, _("Two-factor authentication is already set up."))
        return redirect("two_factor")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_setup(request, form.cleaned_data["code"])
        except twofactor.TwoFactorError:
            form.add_error("code", _("That is not the code your app shows now. Check the phone's clock and try "
                                     "the next code."))
            status = 400
        else:
            request.session[CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(f"{_codes_url()}?next={quote(_next(request), safe='/')}")
    elif request.method == "POST":
        status = 400
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(request, "accounts/twofactor_setup.html", {
        "form": form, "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "required": twofactor.required_for(request.user), "next": _next(request)}, status=status)


@signed_in
@never_cache
def qr_code(request: HttpRequest) -> HttpResponse:
    """The pending device's QR code (otpauth:// URL) as SVG; served from the hub so that the CSP needs no data:."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        raise Http404("no set-up in progress")
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@signed_in
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponseBase:
    """Shows freshly issued recovery codes, once: the session forgets them as this page is rendered."""
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if not codes:
        return redirect("two_factor")
    return render(request, "accounts/twofactor_codes.html", {
        "codes": [twofactor.display(c) for c in codes], "next": _next(request)})


@signed_in
@never_cache
def verify(request: HttpRequest) -> HttpResponseBase:
    """The second step of signing in: a code from the app, or a recovery code."""
    if twofactor.is_verified(request) or not twofactor.enabled_for(request.user):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if twofactor.verify(request, form.cleaned_data["code"]):
                left = twofactor.recovery_codes_left(request.user)
                if left <= 3:
                    messages.warning(request, _("You have %(n)d recovery codes left: make new ones on the "
                                                "two-factor page.") % {"n": left})
                return redirect(_next(request))
            form.add_error("code", _("That code did not work. Wrong codes make you wait longer before the next "
                                     "try."))
    return render(request, "accounts/twofactor_verify.html", {"form": form, "next": _next(request)}, status=status)


@signed_in
@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponseBase:
    try:
        request.session[CODES_SESSION_KEY] = twofactor.reissue_codes(request.user)
    except twofactor.TwoFactorError:
        messages.error(request, _("Set up two-factor authentication first."))
        return redirect("two_factor")
    return redirect(_codes_url())


@signed_in
@require_POST
def disable(request: HttpRequest) -> HttpResponseBase:
    form = CodeForm(request.POST)
    try:
        if not form.is_valid():
            raise twofactor.TwoFactorError("no code")
        twofactor.disable(request, form.cleaned_data["code"])
    except twofactor.TwoFactorError:
        if twofactor.required_for(request.user):
            messages.error(request, _("Your role requires two-factor authentication: it cannot be turned off."))
        else:
            messages.error(request, _("That code did not work: two-factor authentication is still on."))
        return redirect("two_factor")
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("two_factor")



def _codes_url() -> str:
    return reverse("two_factor_codes")
