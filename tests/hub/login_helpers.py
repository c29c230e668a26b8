"""Signing in a Django test client the way the hub asks for it: password, then the second factor where the account
needs one (imported as ``from login_helpers import login``; tests/ has no packages)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from wildwatch.hub.accounts import twofactor

PASSWORD = "correct-horse-battery-9"


def verify_session(client: Any, user: Any) -> None:
    """Marks the client's session as having passed the second factor, as the code page does (``django_otp.login``
    stores the device in the session), with the user's authenticator device (made if missing). The code page
    itself is tested in test_two_factor.py and by the browser tests."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=twofactor.APP_DEVICE, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def login(client: Any, username: str, password: str = PASSWORD) -> bool:
    """``client.login`` then, when the user must use two factors or has a device, the verified session."""
    if not client.login(username=username, password=password):
        return False
    user = get_user_model().objects.get(username=username)
    if twofactor.required_for(user) or twofactor.enabled_for(user):
        verify_session(client, user)
    return True


def force_login(client: Any, user: Any) -> None:
    client.force_login(user)
    if twofactor.required_for(user) or twofactor.enabled_for(user):
        verify_session(client, user)
