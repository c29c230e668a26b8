"""A member of the public reports a listing; an analyst refers it from triage; a reviewer of the member platform
claims it (its screenshot blurred until clicked) and removes the listing; the reporter's status says so."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"


def _logout(page: Any) -> None:
    with page.expect_navigation():
        page.locator("header form[action$='/logout/'] button").click()


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 270), "#f4efe6")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 440, 230), outline="#1f4d2b", width=6)
    draw.ellipse((170, 80, 310, 190), fill="#d9c9a3", outline="#6b5a3a", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _filter(page: Any, selector: str) -> str:
    return str(page.eval_on_selector(selector, "el => getComputedStyle(el).filter"))


def test_refer_claim_remove_and_the_reporter_sees_it(live_server: Any, page: Any, shot: Any, settings: Any,
                                                      tmp_path: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import NoReverseMatch, reverse

    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.reports import services as reports
    from wildwatch.hub.reports.models import Case, CaseStatus

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    ngo = accounts.create_organisation("b-ngo", "Browser NGO", "ngo")
    accounts.add_member(ngo, "ana", "analyst", password=PASSWORD)
    market = accounts.create_organisation("b-market", "Browser Market", "member")
    accounts.add_platform(market, "b-shop", "Shop Example", "ecommerce", ["FR"], domains=["shop.example"])
    accounts.add_member(market, "rita", "reviewer", password=PASSWORD)
    report = reports.file_report(
        kind="public", url="https://www.shop.example/listing/42?utm_source=feed", email="walker@example.org",
        listing_text="Carved ivory bangle, 2 kg, old stock", product="ivory", category="prohibited",
        seller_handle="@oldstock", notes="the seller says it is real elephant ivory",
        screenshot=SimpleUploadedFile("listing.png", _png(), content_type="image/png"))
    code, case = report.tracking_code, report.case
    assert code and reports.public_stage(case) == "received"
    base = live_server.url

    # the analyst refers the case from triage
    login(page, base, "ana")
    page.goto(base + "/review/triage/")
    row = page.locator(f"tr[data-case='{case.pk}']")
    assert "prohibited product (+40)" in row.inner_text()
    shot(page, "review-1-triage")
    with page.expect_navigation():
        row.get_by_role("button", name="Refer to Shop Example").click()
    assert f"Case {case.pk} is referred to Shop Example." in page.locator("main").inner_text()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REFERRED
    _logout(page)

    # the reviewer claims it from the queue: the screenshot is blurred until clicked
    login(page, base, "rita")
    page.goto(base + "/review/queue/")
    assert page.locator("#count-open").inner_text() == "1"
    shot(page, "review-2-queue")
    with page.expect_navigation():
        page.locator(f"tr[data-case='{case.pk}']").get_by_role("button", name="Claim").click()
    assert page.locator("#case-claimed").inner_text().startswith("you")
    image = f"#shot-{report.pk}"
    page.wait_for_function(f"document.querySelector('{image}').complete")
    assert page.eval_on_selector(image, "el => el.naturalWidth") == 480  # served by the permission-checked view
    assert "blur" in _filter(page, image)
    assert "walker@example.org" not in page.content()
    shot(page, "review-3-case-blurred")
    page.get_by_role("button", name="Show the screenshot").click()
    assert _filter(page, image) == "none"
    assert page.get_by_role("button", name="Blur the screenshot").is_visible()

    # ... and removes the listing
    page.select_option("#id_category", "prohibited")
    page.get_by_label("Listing removed").check()
    page.fill("#id_comment", "real ivory: removed, seller warned")
    shot(page, "review-4-decision")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the decision").click()
    main = page.locator("main").inner_text()
    assert "Decision recorded on case" in main and "real ivory: removed, seller warned" in main
    shot(page, "review-5-decided")
    _logout(page)

    # the reporter's status has moved on
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and reports.public_stage(case) == "action_taken"
    try:
        status_url = reverse("reports:status", kwargs={"code": code})
    except NoReverseMatch:  # the public status page is not there yet
        return
    response = page.goto(base + status_url)
    assert response is not None and response.status == 200
    assert code in page.content()
    shot(page, "review-6-reporter-status")
