"""Two-factor authentication: required for privileged roles, optional for others, recovery codes, throttling,
an operator's reset, and a half-signed-in session that reaches nothing but the two-factor pages."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from wildwatch.hub.accounts import services
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import Role

pytestmark = pytest.mark.django_db


def password_login(username: str, password: str, next_url: str = "/library/") -> Client:
    client = Client()
    response = client.post(f"{reverse('login')}?next={next_url}", {"username": username, "password": password})
    assert response.status_code == 302, response.status_code
    return client


def code_for(device: TOTPDevice) -> str:
    """The code the app shows, for the first time step the device has not accepted yet (now, or the next step,
    which the hub's tolerance of one step accepts: a code works once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    target = max(totp.t(), device.last_t + 1)
    totp.time = device.t0 + (target - device.drift) * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if code_for(device) != "000000" else "111111"


def wait_out_throttle(user: Any) -> None:
    """As if the throttle's wait after the last wrong code (1 s, doubling) had passed, for every device."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=10))


def enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("two_factor_setup")).content.decode()
    secret = re.search(r'id="totp-secret" readonly size="50" value="([A-Z2-7 ]+)"', page)
    assert secret, page
    device = TOTPDevice.objects.get(user_id=client.session["_auth_user_id"], confirmed=False)
    assert device.bin_key == b32decode(secret.group(1).replace(" ", ""))
    response = client.post(reverse("two_factor_setup"), {"code": code_for(device), "next": "/library/"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_codes"))
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", client.get(response["Location"]).content.decode())
    return device, codes


def test_an_analyst_must_set_up_a_second_factor_before_any_page(role_users: dict[str, Any], password: str) -> None:
    client = password_login("user-analyst", password)
    for path in ("/library/", "/", "/accounts/2fa/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/2fa/setup/?next="), (path, response["Location"])
    page = client.get("/accounts/2fa/setup/?next=/library/")
    assert page.status_code == 200 and "Set up two-factor authentication" in page.content.decode()
    assert 'href="/library/"' not in page.content.decode()  # no navigation before the second factor
    qr = client.get(reverse("two_factor_qr"))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]

    device = TOTPDevice.objects.get(user=role_users[Role.ANALYST], confirmed=False)
    wrong = client.post(reverse("two_factor_setup"), {"code": wrong_code(device)})
    assert wrong.status_code == 400 and "not the code your app shows" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1
    wait_out_throttle(device.user)

    response = client.post(reverse("two_factor_setup"), {"code": code_for(device), "next": "/library/"})
    assert response.status_code == 302
    codes_page = client.get(response["Location"])
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", codes_page.content.decode())
    assert len(set(codes)) == 10
    assert 'href="/library/"' in codes_page.content.decode()
    assert client.get(reverse("two_factor_codes")).status_code == 302  # shown once
    library = client.get("/library/")
    assert library.status_code == 200 and 'href="/library/"' in library.content.decode()  # the session is verified
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="auth.2fa.enable", target=f"user:{device.user_id}").count() == 1


def test_sign_in_asks_the_code_and_each_code_works_once(role_users: dict[str, Any], password: str) -> None:
    device, codes = enrol(password_login("user-officer", password))

    client = password_login("user-officer", password, "/enforcement/")
    response = client.get("/enforcement/")
    assert response["Location"] == "/accounts/2fa/verify/?next=%2Fenforcement%2F"
    assert client.get("/accounts/2fa/").status_code == 302  # not the settings page either
    assert client.post(reverse("two_factor_new_codes")).status_code == 302
    assert StaticToken.objects.filter(device__user=device.user).count() == 10  # not reissued half signed in

    bad = client.post("/accounts/2fa/verify/", {"code": "12345", "next": "/enforcement/"})
    assert bad.status_code == 400 and "did not work" in bad.content.decode()
    wait_out_throttle(device.user)
    code = code_for(device)
    ok = client.post("/accounts/2fa/verify/", {"code": code, "next": "/enforcement/"})
    assert ok.status_code == 302 and ok["Location"] == "/enforcement/"
    assert client.get("/enforcement/").status_code == 200

    replay = password_login("user-officer", password)
    assert replay.post("/accounts/2fa/verify/", {"code": code}).status_code == 400  # a code works once

    recovery = password_login("user-officer", password)
    assert recovery.post("/accounts/2fa/verify/", {"code": codes[0].upper(), "next": "/"}).status_code == 302
    assert recovery.get("/enforcement/").status_code == 200
    entry = AuditEntry.objects.get(action="auth.2fa.recovery_code")
    assert entry.target == f"user:{device.user_id}" and entry.details["left"] == 9
    again = password_login("user-officer", password)
    assert again.post("/accounts/2fa/verify/", {"code": codes[0]}).status_code == 400


def test_wrong_codes_are_throttled(role_users: dict[str, Any], password: str) -> None:
    device, _ = enrol(password_login("user-member_admin", password))
    client = password_login("user-member_admin", password)
    for failures in (1, 2):
        assert client.post("/accounts/2fa/verify/", {"code": wrong_code(device)}).status_code == 400
        device.refresh_from_db()
        assert device.throttling_failure_count == failures
        # even the right code is refused while the wait after a wrong one (1 s, doubling) runs; not counted
        assert client.post("/accounts/2fa/verify/", {"code": code_for(device)}).status_code == 400
        device.refresh_from_db()
        assert device.throttling_failure_count == failures
        assert client.get("/library/").status_code == 302
        wait_out_throttle(device.user)
    assert client.post("/accounts/2fa/verify/", {"code": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.get("/library/").status_code == 200


def test_a_volunteer_may_turn_it_on_and_off(role_users: dict[str, Any], password: str) -> None:
    client = password_login("user-volunteer", password, "/volunteers/")
    assert client.get("/volunteers/").status_code == 200  # optional: nothing asked
    overview = client.get("/accounts/2fa/").content.decode()
    assert "Off: signing in asks only for your password." in overview
    device, codes = enrol(client)
    assert len(codes) == 10

    client = password_login("user-volunteer", password, "/volunteers/")
    assert client.get("/volunteers/").status_code == 302  # now it is asked
    assert client.post("/accounts/2fa/verify/", {"code": code_for(device)}).status_code == 302
    assert "You have 10 unused recovery codes." in client.get("/accounts/2fa/").content.decode()
    new = client.post(reverse("two_factor_new_codes"))
    fresh = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", client.get(new["Location"]).content.decode())
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert AuditEntry.objects.filter(action="auth.2fa.recovery_codes").exists()

    wrong = client.post(reverse("two_factor_disable"), {"code": "abc"}, follow=True)
    assert "still on" in wrong.content.decode() and TOTPDevice.objects.filter(user=device.user).exists()
    wait_out_throttle(device.user)
    off = client.post(reverse("two_factor_disable"), {"code": code_for(device)}, follow=True)
    assert "Two-factor authentication is off." in off.content.decode()
    assert not TOTPDevice.objects.filter(user=device.user).exists()
    assert not StaticToken.objects.filter(device__user=device.user).exists()
    assert AuditEntry.objects.filter(action="auth.2fa.disable", target=f"user:{device.user_id}").exists()
    assert password_login("user-volunteer", password).get("/volunteers/").status_code == 200


def test_a_required_role_cannot_turn_it_off(role_users: dict[str, Any], password: str) -> None:
    client = password_login("user-coalition_admin", password)
    device, _ = enrol(client)
    response = client.post(reverse("two_factor_disable"), {"code": code_for(device)}, follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=device.user, confirmed=True).exists()


def test_a_new_privilege_asks_for_the_second_factor(role_users: dict[str, Any], password: str) -> None:
    volunteer = role_users[Role.VOLUNTEER]
    client = password_login(volunteer.username, password, "/volunteers/")
    assert client.get("/volunteers/").status_code == 200
    services.add_member(services.create_organisation("t-police", "T-POLICE", "agency"), volunteer.username,
                        Role.OFFICER)
    response = client.get("/volunteers/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/setup/")


def test_next_never_leads_off_site(role_users: dict[str, Any], password: str) -> None:
    client = password_login("user-analyst", password)
    assert client.get(reverse("two_factor_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=role_users[Role.ANALYST], confirmed=False)
    response = client.post(reverse("two_factor_setup"), {"code": code_for(device), "next": "https://evil.example/"})
    assert "evil.example" not in response["Location"]
    assert "evil.example" not in client.get(response["Location"]).content.decode()


def test_the_api_and_health_need_no_second_factor(role_users: dict[str, Any], password: str,
                                                   keys: dict[str, str]) -> None:
    client = password_login("user-analyst", password)
    assert client.get("/healthz").status_code == 200
    response = client.post("/api/v1/check", {"id": "L1", "text": "carved ivory bangle"}, content_type="application/json",
                           headers={"X-Api-Key": keys["engineer"]})
    assert response.status_code == 200


def test_an_operator_resets_a_lost_device(role_users: dict[str, Any], password: str) -> None:
    device, _ = enrol(password_login("user-analyst", password))
    with pytest.raises(Exception, match="reason"):
        call_command("twofactor", "reset", "user-analyst")
    out = StringIO()
    call_command("twofactor", "status", stdout=out)
    assert "user-analyst: on, 10 recovery codes left" in out.getvalue()
    assert "user-officer: MISSING (required)" in out.getvalue()
    assert "user-volunteer: off" in out.getvalue()
    call_command("twofactor", "reset", "user-analyst", "--reason", "identity checked by video call", stdout=out)
    assert not TOTPDevice.objects.filter(user=device.user).exists()
    entry = AuditEntry.objects.get(action="auth.2fa.reset")
    assert entry.target == f"user:{device.user_id}" and entry.details["reason"] == "identity checked by video call"
    response = password_login("user-analyst", password).get("/library/")
    assert response["Location"].startswith("/accounts/2fa/setup/")


def test_superusers_need_it_for_the_admin(db: Any, password: str) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root2", "root2@example.org", password)
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "root2", "password": password})
    assert response.status_code == 302
    assert client.get("/admin/")["Location"] == "/accounts/2fa/setup/?next=%2Fadmin%2F"
