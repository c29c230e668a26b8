"""Failed logins are throttled and locked out per user name and client address, lockouts are audited, sessions
expire and are rotated when a user's privileges change."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as dj_settings
from django.urls import reverse
from login_helpers import login

from wildwatch.hub.accounts import services
from wildwatch.hub.accounts.models import AuditEntry, Membership
from wildwatch.hub.accounts.roles import Role

pytestmark = pytest.mark.django_db


def attempt(client: Any, username: str, password: str, ip: str = "203.0.113.7") -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_pair_out_and_are_audited(client: Any, role_users: dict[str, Any],
                                                          password: str) -> None:
    name = role_users[Role.ANALYST].username
    for _ in range(dj_settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, name, "wrong-password-1").status_code == 200  # the form again, with its error
    locked = attempt(client, name, "wrong-password-1")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    right = attempt(client, name, password)  # even the right password, while locked
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    entries = list(AuditEntry.objects.filter(action="auth.lockout"))  # the lockout, and the attempt made during it
    # by account id and client network: the audit log is kept for good, the full address is not in it
    assert len(entries) == 2 and {(e.target, e.details["network"]) for e in entries} == {
        (f"user:{role_users[Role.ANALYST].pk}", "203.0.113.0/24")}
    # another address, and another user from the same address, are not locked
    assert attempt(client, name, password, ip="198.51.100.9").status_code == 302
    client.logout()
    assert attempt(client, role_users[Role.REVIEWER].username, password).status_code == 302


def test_the_lockout_ends_after_its_cool_off(client: Any, role_users: dict[str, Any], password: str,
                                             settings: Any) -> None:
    from datetime import timedelta

    from axes.models import AccessAttempt

    name = role_users[Role.OFFICER].username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, name, "wrong-password-1")
    assert attempt(client, name, password).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(hours=1))
    assert attempt(client, name, password).status_code == 302


def test_a_success_resets_the_count(client: Any, role_users: dict[str, Any], password: str) -> None:
    name = role_users[Role.REVIEWER].username
    for _ in range(dj_settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, name, "wrong-password-1")
    assert attempt(client, name, password).status_code == 302
    client.logout()
    for _ in range(dj_settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, name, "wrong-password-1").status_code == 200
    assert attempt(client, name, password).status_code == 302


def test_the_forwarded_address_counts_only_from_a_trusted_proxy(client: Any, role_users: dict[str, Any],
                                                                settings: Any, password: str) -> None:
    settings.WILDWATCH_TRUSTED_PROXIES = ["10.0.0.0/8"]
    name = role_users[Role.ANALYST].username
    for i in range(settings.AXES_FAILURE_LIMIT):  # an attacker rotating X-Forwarded-For straight to the hub
        client.post(reverse("login"), {"username": name, "password": "wrong-password-1"},
                    REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert attempt(client, name, password, ip="203.0.113.50").status_code == 429
    behind_proxy = client.post(reverse("login"), {"username": name, "password": password},
                               REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert behind_proxy.status_code == 302


def test_sessions_expire_and_rotate_when_privileges_change(client: Any, role_users: dict[str, Any],
                                                           password: str) -> None:
    assert dj_settings.SESSION_COOKIE_AGE == 12 * 3600 and dj_settings.SESSION_COOKIE_HTTPONLY
    user = role_users[Role.REVIEWER]
    assert attempt(client, user.username, password).status_code == 302
    assert client.get("/").status_code == 200
    first = client.session.session_key
    client.get("/")
    assert client.session.session_key == first  # nothing changed: same session
    membership = Membership.objects.get(user=user)
    services.add_member(membership.organisation, user.username, Role.MEMBER_ADMIN, password=password)
    client.get("/")
    second = client.session.session_key
    assert second != first and client.session.get("_auth_user_id") == str(user.pk)  # rotated, still signed in
    client.get("/")
    assert client.session.session_key == second


def test_a_programmatic_login_is_not_throttled(client: Any, role_users: dict[str, Any], password: str) -> None:
    assert login(client, role_users[Role.ANALYST].username, password)

