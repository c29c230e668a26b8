"""Two-factor authentication (django-otp): a TOTP authenticator app, and single-use recovery codes.

* Required for the privileged roles (:data:`~.roles.TWO_FACTOR_REQUIRED`: coalition analysts and admins, member
  admins, law-enforcement officers) and for Django staff and superusers; optional for everyone else, who may still
  turn it on. Once a user has a confirmed device, every sign-in asks for it.
* A password login is only half a sign-in: :class:`TwoFactorMiddleware` sends a signed-in but unverified session
  to the code page (a device is set up) or to the set-up page (none is, and the role requires one), whatever page
  it asks for. Only the two-factor pages, logging out, static files, the language switch, the key-authenticated API
  and the health endpoints are let through.
* Setting up: an unconfirmed TOTP device is made, its QR code and secret are shown, and the first code from the app
  confirms it. Ten recovery codes are issued then (shown once); each works once instead of the app's code.
* A verified session gets a new session key (as a login does). TOTP and recovery-code checks are throttled by
  django-otp (each failure doubles the wait); set-up, recovery-code use and reissue, turning it off and an
  operator's reset are audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import TWO_FACTOR_REQUIRED
from .services import audit, roles_of, user_target

RECOVERY_CODES = 10
APP_DEVICE = "authenticator app"
CODES_DEVICE = "recovery codes"
#: What an unverified session may still use: paths, and path prefixes. Not the settings page, nor a reissue of
#: the recovery codes: those need the second factor first.
EXEMPT_PATHS = frozenset({"/accounts/2fa/verify/", "/accounts/2fa/recovery-codes/", "/accounts/logout/",
                          "/accounts/login/", "/admin/logout/", "/healthz", "/readyz"})
EXEMPT_PREFIXES = ("/accounts/2fa/setup/", "/static/", "/i18n/", "/api/")


class TwoFactorError(Exception):
    """A two-factor step that cannot be done (a wrong code, nothing to confirm, a role that requires it)."""


def required_for(user: Any) -> bool:
    """Whether the user must use a second factor: a privileged role, or the Django admin (staff, superuser)."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or roles_of(user) & TWO_FACTOR_REQUIRED)


def enabled_for(user: Any) -> bool:
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


def is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def pending_device(user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator device (made now if there is none), whose secret the set-up page shows.
    A user who already has a confirmed app device is refused: turning it off comes first."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorError("two-factor authentication is already set up")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def confirm_setup(request: HttpRequest, token: str) -> list[str]:
    """Confirms the pending device with a code from the app, issues the recovery codes (returned, shown once), and
    marks the session verified. A wrong code is counted by the device's throttle (committed, so it holds)."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise TwoFactorError("there is no set-up in progress: start again")
    if not _is_app_code(token) or not device.verify_token(_compact(token)):
        raise TwoFactorError("that code is not the one the app shows now")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _issue_codes(user)
        audit("auth.2fa.enable", actor=user, target=user_target(user))
    _mark_verified(request, device)
    return codes


def verify(request: HttpRequest, token: str) -> bool:
    """Checks a code from the app (six digits) or a recovery code (used up), and marks the session verified. Wrong
    codes are throttled per device by django-otp. The devices are locked while checked (``for_verify``), so that two
    concurrent tries cannot both use one code."""
    user = request.user
    app_code = _is_app_code(token)
    token = _compact(token)
    matched: Any = None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, TOTPDevice) and app_code and device.verify_token(token):
                matched = device
                break
            if isinstance(device, StaticDevice) and not app_code and token and device.verify_token(token):
                audit("auth.2fa.recovery_code", actor=user, target=user_target(user), left=device.token_set.count())
                matched = device  # the code is deleted
                break
    if matched is None:
        return False
    _mark_verified(request, matched)
    return True


def recovery_codes_left(user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


@transaction.atomic
def reissue_codes(user: Any) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorError("set up two-factor authentication first")
    codes = _issue_codes(user)
    audit("auth.2fa.recovery_codes", actor=user, target=user_target(user))
    return codes


def disable(request: HttpRequest, token: str) -> None:
    """Turns two-factor authentication off for a user whose role does not require it, on a current code."""
    user = request.user
    if required_for(user):
        raise TwoFactorError("your role requires two-factor authentication")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not _is_app_code(token) or not device.verify_token(_compact(token)):
        raise TwoFactorError("that code is not the one the app shows now")
    with transaction.atomic():
        _remove_devices(user)
        audit("auth.2fa.disable", actor=user, target=user_target(user))
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


@transaction.atomic
def reset(user: Any, *, actor: Any = None, reason: str) -> int:
    """An operator's reset for a user who lost the app and the codes: the devices go, and the next sign-in sets up
    a new one. Returns how many devices were removed."""
    if not reason.strip():
        raise TwoFactorError("a reset needs a reason (how the person's identity was checked)")
    removed = _remove_devices(user)
    audit("auth.2fa.reset", actor=actor, target=user_target(user), reason=reason.strip()[:500], devices=removed)
    return removed


def _remove_devices(user: Any) -> int:
    totp, _ = TOTPDevice.objects.filter(user=user).delete()
    static, _ = StaticDevice.objects.filter(user=user).delete()
    return int(totp + static)


def _issue_codes(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=CODES_DEVICE, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _compact(token: str) -> str:
    """A code as typed, without spaces or dashes (recovery codes are shown as ``abcd-efgh``), lower case."""
    return "".join(ch for ch in token if not ch.isspace() and ch != "-").lower()


def _is_app_code(token: str) -> bool:
    code = _compact(token)
    return len(code) == 6 and code.isdigit()


def display(code: str) -> str:
    """A recovery code as shown: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def _mark_verified(request: HttpRequest, device: Any) -> None:
    request.session.cycle_key()  # a new key for the fully signed-in session, as a login gives
    otp_login(request, device)


class TwoFactorMiddleware:
    """After ``OTPMiddleware``: a signed-in session that still owes its second factor goes to the code page (or to
    the set-up page when the role requires a device and there is none), with ``next`` kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path in EXEMPT_PATHS or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)  # before the user is loaded: the API's hot path pays nothing
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not is_verified(request):
            if enabled_for(user):
                return _redirect("two_factor_verify", request)
            if required_for(user):
                return _redirect("two_factor_setup", request)
        return self.get_response(request)


def _redirect(name: str, request: HttpRequest) -> HttpResponseRedirect:
    target = request.get_full_path() if request.method == "GET" else settings.LOGIN_REDIRECT_URL
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': target})}")
