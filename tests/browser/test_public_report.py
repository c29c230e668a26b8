"""A member of the public reports a listing with a screenshot, corrects a mistake on the way, and follows the
report on its status page (in English, then in French)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The shared cache is a table that a transactional test does not empty: no rate counter is left behind."""
    from django.core.cache import caches

    caches["default"].clear()
    yield
    caches["default"].clear()


def _png() -> bytes:
    picture = Image.new("RGB", (240, 160), (245, 245, 240))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((10, 10, 230, 60), fill=(31, 77, 43))
    draw.text((20, 25), "Carved tusk, old stock", fill=(255, 255, 255))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def test_public_report_with_screenshot_and_status(live_server: Any, page: Any, shot: Any, settings: Any,
                                                  tmp_path: Path) -> None:
    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.library.services import import_starter
    from wildwatch.hub.reports.models import Report

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.WILDWATCH_REPORT_RATE = 100
    import_starter()
    org = accounts.create_organisation("b-market", "Browser Market", "member")
    accounts.add_platform(org, "b-shop", "Example Shop", "ecommerce", ["FR"], domains=["shop.example"])
    png = _png()
    base = live_server.url

    page.goto(base + "/reports/new/")
    assert page.locator("h1").inner_text() == "Report a listing"
    # a mistake in the address: the form comes back with the error and every entry, the screenshot included
    page.fill("#id_url", "shop example item 42")
    page.fill("#id_species", "African eleph")  # the datalist suggests the protected species' names
    page.wait_for_selector("datalist#species-names option[value='African elephant']", state="attached")
    page.fill("#id_species", "African elephant")
    page.select_option("#id_product", "ivory")
    page.fill("#id_details", "Carved tusk, 2 kg, 'old stock'")
    page.set_input_files("#id_screenshot", files=[{"name": "listing.png", "mimeType": "image/png", "buffer": png}])
    page.fill("#id_email", "reporter@example.org")
    shot(page, "public-report-1-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the report").click()
    assert page.locator("#problems").is_visible()
    assert "This is not the address of a web page." in page.locator("#id_url_error").inner_text()
    assert page.get_attribute("#id_url", "aria-invalid") == "true"
    assert page.input_value("#id_species") == "African elephant"
    assert page.input_value("#id_email") == "reporter@example.org"
    assert "listing.png" in page.locator("#kept-screenshot").inner_text()
    shot(page, "public-report-2-error-kept")

    # corrected: sent, and the status page shows the tracking code and the stage
    page.fill("#id_url", "https://www.shop.example/item/42?utm_source=share")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the report").click()
    code = page.locator("#tracking-code").inner_text()
    assert re.fullmatch(r"WW-[2-9A-Z]{10}", code)
    assert page.url.endswith(f"/reports/{code}/")
    main = page.locator("main").inner_text()
    assert "your report is received" in main and "Example Shop, a member of the coalition" in main
    assert page.locator("#stage").inner_text() == "Received"
    assert "reporter@example.org" not in main
    shot(page, "public-report-3-status")

    report = Report.objects.select_related("case__platform").get(tracking_code=code)
    assert report.screenshot_sha256 == hashlib.sha256(png).hexdigest()
    assert report.case.platform is not None and report.case.platform.slug == "b-shop"
    assert report.case.taxon is not None and report.case.taxon.scientific_name == "Loxodonta africana"

    # the same page in French, found again by its code typed in lower case
    page.select_option("#language", "fr")
    with page.expect_navigation():
        page.get_by_role("button", name="Go").click()
    page.goto(base + "/reports/track/")
    page.fill("#code", code.lower())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#tracking-code").inner_text() == code
    assert page.locator("#stage").inner_text() == "Reçu"
    assert "Votre signalement" in page.locator("h1").inner_text()
    shot(page, "public-report-4-status-fr")
