"""Under the hub's strict Content-Security-Policy (no inline script or style) the pages still work: the static
styles load, the report form suggests species names, the review case page blurs and reveals a screenshot, the
dashboard's SVG charts and a progress report's draft keep their looks, the Django admin runs, and the browser
reports no violation at all."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"
#: collects the violations the page itself sees (the console also says "Refused to …")
WATCH = """window.__csp = []; document.addEventListener("securitypolicyviolation",
  function (e) { window.__csp.push(e.violatedDirective + " " + e.blockedURI); });"""


def _watched(page: Any) -> list[str]:
    messages: list[str] = []

    def heard(message: Any) -> None:
        text = str(message.text)
        if "Content Security Policy" in text or "Refused to" in text:
            messages.append(text)

    page.on("console", heard)
    page.add_init_script(WATCH)
    return messages


def _violations(page: Any, messages: list[str]) -> list[str]:
    return [*messages, *page.evaluate("window.__csp || []")]


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "#d9c9a3").save(buffer, "PNG")
    return buffer.getvalue()


def test_pages_work_without_any_policy_violation(live_server: Any, page: Any, shot: Any, settings: Any,
                                                 tmp_path: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.library.services import import_starter
    from wildwatch.hub.reports import services as reports

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    import_starter()
    ngo = accounts.create_organisation("csp-ngo", "CSP NGO", "ngo")
    accounts.add_member(ngo, "cara", "coalition_admin", password=PASSWORD)
    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    report = reports.file_report(kind="public", url="https://www.shop.example/listing/7", product="ivory",
                                 listing_text="Carved ivory bangle",
                                 screenshot=SimpleUploadedFile("s.png", _png(), content_type="image/png"))
    messages = _watched(page)
    base = live_server.url

    # the public report form: its styles are static files, its species suggestions a static script
    response = page.goto(base + "/reports/new/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    assert page.eval_on_selector(".site-header", "el => getComputedStyle(el).backgroundColor") == "rgb(31, 77, 43)"
    assert page.eval_on_selector("#report-form", "el => getComputedStyle(el).maxWidth") != "none"
    page.fill("#id_species", "African eleph")
    page.wait_for_selector("datalist#species-names option[value='African elephant']", state="attached")

    # the review case page: the screenshot is blurred until the button reveals it
    login(page, base, "cara")
    page.goto(base + reverse("review:case", args=[report.case.pk]))
    image = f"#shot-{report.pk}"
    assert "blur" in page.eval_on_selector(image, "el => getComputedStyle(el).filter")
    page.get_by_role("button", name="Show the screenshot").click()
    assert page.eval_on_selector(image, "el => getComputedStyle(el).filter") == "none"
    page.get_by_role("button", name="Blur the screenshot").click()
    assert "blur" in page.eval_on_selector(image, "el => getComputedStyle(el).filter")
    shot(page, "csp-review-case")

    # the dashboard's inline SVG charts: presentation attributes, no style attribute
    page.goto(base + reverse("metrics:dashboard"))
    page.wait_for_selector("svg.chart")
    assert page.locator("svg.chart [style]").count() == 0
    assert page.eval_on_selector("svg.chart", "el => getComputedStyle(el).strokeLinejoin") == "round"

    # a progress report's draft (an iframe of a standalone document): its own styles, allowed by their hash
    today = date.today()
    page.goto(base + reverse("metrics:report_new") + f"?start={today.replace(day=1)}&end={today}&language=en")
    frame = page.frame_locator("iframe.report-preview")
    assert frame.locator("h1").evaluate("el => getComputedStyle(el).color") == "rgb(31, 77, 43)"
    shot(page, "csp-report-draft")

    # the Django admin: its scripts are static files too
    page.context.clear_cookies()
    login(page, base, "root", "/admin/login/")
    page.goto(base + "/admin/accounts/organisation/")
    page.wait_for_selector("#result_list")
    page.locator("#action-toggle").check()  # admin/js/actions.js at work
    assert page.locator("#result_list tbody input.action-select:checked").count() >= 1
    page.goto(base + "/admin/accounts/organisation/add/")
    page.wait_for_selector("#organisation_form")
    shot(page, "csp-admin")

    assert _violations(page, messages) == []
