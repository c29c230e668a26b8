"""Someone guessing a password through the login page is locked out after five failures and sees why."""

from __future__ import annotations

from typing import Any

import pytest

from wildwatch.hub.accounts import services
from wildwatch.hub.accounts.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def test_five_failed_logins_show_the_lockout_page(live_server: Any, page: Any, shot: Any) -> None:
    org = services.create_organisation("lock-ngo", "Lock NGO", "ngo")
    guessed = services.add_member(org, "guessed", "analyst", password="correct-horse-battery-9")
    for _ in range(4):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", "guessed")
        page.fill("#id_password", "not-the-password")
        page.get_by_role("button", name="Log in").click()
        assert "didn't match" in page.get_by_role("alert").inner_text()
    page.fill("#id_username", "guessed")
    page.fill("#id_password", "not-the-password")
    with page.expect_response(lambda r: r.url.endswith("/accounts/login/") and r.request.method == "POST") as info:
        page.get_by_role("button", name="Log in").click()
    assert info.value.status == 429
    assert page.get_by_role("heading", name="Too many failed logins").is_visible()
    assert "locked for a while" in page.get_by_role("alert").inner_text()
    shot(page, "login-locked-out")
    page.goto(live_server.url + "/accounts/login/")  # the right password does not open it during the lockout
    page.fill("#id_username", "guessed")
    page.fill("#id_password", "correct-horse-battery-9")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", name="Too many failed logins").is_visible()
    assert AuditEntry.objects.filter(action="auth.lockout", target=f"user:{guessed.pk}").exists()  # by id
