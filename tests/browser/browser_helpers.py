"""Shared steps of the browser tests (imported as ``from browser_helpers import login``; tests/ has no packages)."""

from __future__ import annotations

import time
from typing import Any

PASSWORD = "correct-horse-battery-9"


def totp_now(username: str) -> str:
    """The code the user's authenticator app shows now, for a time step the hub has not accepted yet (a code works
    once: a second sign-in within the same 30 s waits for the next step). Reads the device from the live server's
    database (the same process)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while totp.t() <= device.last_t:
        time.sleep(0.5)
        totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def totp_for_secret(secret: str) -> str:
    """The current code for a key shown on the set-up page (base32, grouped by four)."""
    from base64 import b32decode

    from django_otp.oath import totp

    return f"{totp(b32decode(secret.replace(' ', '').upper())):06d}"


def login(page: Any, base: str, username: str, path: str = "/accounts/login/", password: str = PASSWORD) -> None:
    """Sign in as a person does, through a login form (the hub's, or the admin's with ``path="/admin/login/"``),
    then the second factor when the hub asks for it: the code from the user's app on the code page, or, for a
    privileged user with no device yet, the set-up (key read off the page, first code, recovery codes page). Waits
    for the page the sign-in leads to."""
    page.goto(base + path)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("form:has(#id_password) [type=submit]").click()
    if "/accounts/2fa/verify/" in page.url:
        page.fill("#id_code", totp_now(username))
        with page.expect_navigation():
            page.locator("form:has(#id_code) [type=submit]").click()
    elif "/accounts/2fa/setup/" in page.url:
        page.fill("#id_code", totp_for_secret(page.input_value("#totp-secret")))
        with page.expect_navigation():
            page.locator("form:has(#id_code) [type=submit]").click()
        with page.expect_navigation():
            page.click("#continue")
