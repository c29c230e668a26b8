"""A visitor searches the public species page in Vietnamese and sees the policy, never a keyword."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_species_in_vietnamese(live_server: Any, page: Any, shot: Any) -> None:
    from wildwatch.hub.library.services import import_starter

    import_starter()
    page.goto(live_server.url + "/species/")
    page.fill("#id_q", "tê tê")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    results = page.locator("main").inner_text()
    assert "Manidae" in results  # pangolins
    assert "(Vietnamese)" in results  # the name that matched, and its language
    assert "Appendix I" in results and "Prohibited" in results
    shot(page, "species-vi-te-te")
    # a seller's code word is a confidential term, not a name: the public page knows nothing of it
    page.goto(live_server.url + "/species/?q=" + "白料")
    assert "No protected species found under this name." in page.locator("main").inner_text()
