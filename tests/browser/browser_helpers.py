"""Shared steps of the browser tests (imported as ``from browser_helpers import login``; tests/ has no packages)."""

from __future__ import annotations

from typing import Any

PASSWORD = "correct-horse-battery-9"


def login(page: Any, base: str, username: str, path: str = "/accounts/login/", password: str = PASSWORD) -> None:
    """Sign in through a login form (the hub's, or the admin's with ``path="/admin/login/"``) and wait for the
    page it leads to."""
    page.goto(base + path)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("form:has(#id_password) [type=submit]").click()
