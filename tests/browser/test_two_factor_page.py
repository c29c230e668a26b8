"""A law-enforcement officer's first sign-in sets up two-factor authentication (QR code, key, first code, recovery
codes); the next sign-in asks for the app's code, and a recovery code works once in its place."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import PASSWORD, totp_for_secret, totp_now

pytestmark = pytest.mark.django_db(transaction=True)


def _password(page: Any, base: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def _submit_code(page: Any, code: str) -> None:
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.locator("form:has(#id_code) [type=submit]").click()


def _logout(page: Any) -> None:
    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button").click()


def test_set_up_then_sign_in_with_the_app_and_a_recovery_code(live_server: Any, page: Any, shot: Any,
                                                               settings: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.accounts.models import AuditEntry

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agency = accounts.create_organisation("b-police", "Browser Police", "agency")
    accounts.add_member(agency, "olga", "officer", password=PASSWORD)
    base = live_server.url

    # first sign-in: the password alone leads to the set-up page, whatever was asked for
    _password(page, base, "/enforcement/")
    assert "/accounts/2fa/setup/" in page.url
    qr_width = page.locator("img.qr").evaluate("img => img.complete ? img.naturalWidth : 0")
    assert qr_width > 0  # the QR code (SVG from the hub) loaded under the CSP
    secret = page.input_value("#totp-secret")
    shot(page, "two-factor-1-setup")
    _submit_code(page, "000000" if totp_for_secret(secret) != "000000" else "111111")
    assert "not the code your app shows" in page.locator("main").inner_text()
    page.wait_for_timeout(1100)  # the throttle's wait after one wrong code
    _submit_code(page, totp_for_secret(secret))
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "two-factor-2-recovery-codes")
    with page.expect_navigation():
        page.click("#continue")
    assert page.url.endswith("/enforcement/")
    assert TOTPDevice.objects.get(user__username="olga").confirmed
    _logout(page)

    # next sign-in: the code from the app
    _password(page, base, "/enforcement/")
    assert "/accounts/2fa/verify/" in page.url
    shot(page, "two-factor-3-verify")
    _submit_code(page, totp_now("olga"))
    assert page.url.endswith("/enforcement/")
    _logout(page)

    # a lost phone: a recovery code instead, once
    _password(page, base, "/enforcement/")
    _submit_code(page, codes[0])
    assert page.url.endswith("/enforcement/")
    olga = TOTPDevice.objects.get(user__username="olga").user
    assert AuditEntry.objects.filter(action="auth.2fa.recovery_code", target=f"user:{olga.pk}").count() == 1
    _logout(page)
    _password(page, base, "/enforcement/")
    _submit_code(page, codes[0])
    assert "/accounts/2fa/verify/" in page.url and "did not work" in page.locator("main").inner_text()
