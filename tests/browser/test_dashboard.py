"""A coalition analyst opens the progress dashboard, filters it by member, and sees the chart (its SVG) and the
table next to it change: no JavaScript, the form reloads the page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"



def _trade() -> None:
    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.usage.models import DailyCount

    ngo = accounts.create_organisation("b-ngo", "Browser NGO", "ngo")
    accounts.add_member(ngo, "ana", "analyst", password=PASSWORD)
    for slug, name, kind, country, category, scale in (
            ("b-shop", "Browser Market", "ecommerce", "FR", "prohibited", 1),
            ("b-social", "Browser Social", "social", "KE", "restricted", 100)):
        org = accounts.create_organisation(slug + "-org", name, "member")
        platform = accounts.add_platform(org, slug, name + " app", kind, [country])
        for month, n in ((1, 3), (2, 8), (3, 5)):
            DailyCount.objects.create(organisation=org, platform=platform, day=date(2026, month, 4), source="api",
                                      metric="listings", verdict="block", category=category, count=n * scale)


def test_filter_the_dashboard_by_member(live_server: Any, page: Any, shot: Any, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _trade()
    base = live_server.url

    login(page, base, "ana", "/accounts/login/?next=/metrics/dashboard/")
    assert page.url.endswith("/metrics/dashboard/")
    page.fill("#id_start", "2026-01-01")
    page.fill("#id_end", "2026-03-31")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()

    chart = page.locator("svg#trend-chart")
    assert chart.get_attribute("role") == "img"
    before_svg = chart.inner_html()
    before_rows = page.locator("#dashboard-trend tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in before_rows] == ["restricted", "prohibited"]
    assert "restricted" in before_svg and "prohibited" in before_svg  # the legend, as text in the SVG
    shot(page, "dashboard-1-all-members")

    page.select_option("#id_organisation", label="Browser Market")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    after_svg = page.locator("svg#trend-chart").inner_html()
    after_rows = page.locator("#dashboard-trend tbody tr").all_inner_texts()
    assert after_svg != before_svg and "restricted" not in after_svg and "prohibited" in after_svg
    assert [r.split("\t") for r in after_rows] == [["prohibited", "3", "8", "5", "16"]]
    assert page.locator("#id_organisation option:checked").inner_text() == "Browser Market"
    shot(page, "dashboard-2-one-member")

    # the table downloads as CSV, with the same filter
    with page.expect_download() as download:
        page.locator("a[href*='table=trend']", has_text="Download this table (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[1].startswith("prohibited,3")
