"""A visitor switches the UI to French with the language switcher."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_switch_the_ui_to_french(live_server: Any, page: Any, shot: Any) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    english_nav = page.locator("nav").inner_text()
    page.select_option("#language", "fr")
    with page.expect_navigation():
        page.get_by_role("button", name="Go").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("nav").inner_text() != english_nav  # the navigation is translated
    assert "Quelles espèces sont protégées" in page.locator("nav").inner_text()
    shot(page, "home-fr")
    # the choice sticks across pages
    page.goto(live_server.url + "/species/")
    assert page.locator("html").get_attribute("lang") == "fr"
