"""A member admin creates an API key in the browser, uses it against the API, rotates it, revokes the old one, and
sees the checks the key made on the usage page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"


def _check(base: str, key: str) -> int:
    request = urllib.request.Request(base + "/api/v1/check", method="POST", headers={
        "X-Api-Key": key, "Content-Type": "application/json"},
        data=json.dumps({"id": "L1", "text": "Genuine ivory bangle for sale"}).encode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_create_use_rotate_revoke_and_see_usage(live_server: Any, page: Any, shot: Any, settings: Any) -> None:
    from wildwatch.hub.accounts import services as accounts

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WILDWATCH_USAGE_FLUSH_SECONDS = 0
    org = accounts.create_organisation("b-market", "Browser Market", "member")
    accounts.add_platform(org, "b-shop", "Browser Shop", "ecommerce", ["FR"])
    accounts.add_member(org, "maya", "member_admin", password=PASSWORD)
    base = live_server.url

    login(page, base, "maya")
    with page.expect_navigation():
        page.get_by_role("link", name="API keys").click()
    page.select_option("#id_platform", label="Browser Shop")
    page.fill("#id_name", "posting pipeline")
    with page.expect_navigation():
        page.get_by_role("button", name="Create key").click()
    first = page.input_value("#plaintext")
    assert first.startswith("ww_")
    shot(page, "api-keys-1-created")
    assert _check(base, first) == 200

    # rotate with a grace period: both keys work until the old one expires
    row = page.locator("#keys tbody tr").first
    row.locator("select[name=grace]").select_option("24")
    with page.expect_navigation():
        row.get_by_role("button", name="Rotate").click()
    second = page.input_value("#plaintext")
    assert second != first and _check(base, first) == 200 and _check(base, second) == 200
    old_row = page.locator("#keys tbody tr", has_text="replaced by")
    assert "works until" in old_row.inner_text()
    shot(page, "api-keys-2-rotated")

    # revoke the old key now
    with page.expect_navigation():
        old_row.get_by_role("button", name="Revoke").click()
    assert "is revoked" in page.content()
    assert _check(base, first) == 401 and _check(base, second) == 200

    # the checks made with the keys show on the usage page
    with page.expect_navigation():
        page.get_by_role("link", name="Checks and pop-ups").click()
    cells = page.locator("#usage-platforms tbody tr", has_text="Browser Shop").locator("td").all_inner_texts()
    assert cells[:6] == ["Browser Market", "Browser Shop", "4", "4", "0", "0"]  # 4 checks got through
    assert page.locator("#usage-terms tbody tr").count() >= 1
    shot(page, "api-keys-3-usage")
