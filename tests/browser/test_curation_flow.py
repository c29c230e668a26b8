"""An analyst proposes a term, a second analyst approves it, a release is published, and the diff shows the term."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"


def _logout(page: Any) -> None:
    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button").click()


def test_propose_approve_publish_and_diff(live_server: Any, page: Any, shot: Any, settings: Any) -> None:
    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.library.services import import_starter, publish_release

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ngo = accounts.create_organisation("b-ngo", "Browser NGO", "ngo")
    accounts.add_member(ngo, "alice", "analyst", password=PASSWORD)
    accounts.add_member(ngo, "bruno", "analyst", password=PASSWORD)
    import_starter()
    publish_release(changelog="baseline")
    base = live_server.url

    # Alice proposes a new code word
    login(page, base, "alice")
    page.goto(base + "/library/propose/")
    page.fill("#id_term", "moon tusk")
    page.fill("#id_lang", "en")
    page.select_option("#id_kind", "cover")
    page.select_option("#id_product", "ivory")
    page.select_option("#id_category", "cover")
    page.fill("#id_source", "browser test: a documented code word")
    shot(page, "curation-1-propose")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the proposal").click()
    assert "moon tusk" in page.content()
    _logout(page)

    # Bruno approves it
    login(page, base, "bruno")
    page.goto(base + "/library/proposals/")
    row = page.locator("tr", has_text="moon tusk")
    with page.expect_navigation():
        row.get_by_role("link").first.click()
    page.check("input[name=decision][value=approve]")
    page.fill("#id_comment", "documented in the 2026 survey")
    shot(page, "curation-2-approve")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision").click()

    # Bruno publishes release 2 and opens the diff against release 1
    page.goto(base + "/library/releases/")
    page.fill("#id_changelog", "adds moon tusk")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish").click()
    page.goto(base + "/library/releases/1/diff/2/")
    shot(page, "curation-3-diff")
    diff = page.locator("main").inner_text()
    assert "moon tusk" in diff
