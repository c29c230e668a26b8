"""A cyber spotter opens "My data", downloads the JSON file of what the hub holds about them, then deletes their
account (a first try without the tick is refused); they are signed out, cannot sign in again, and their report
stays, anonymous."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"


def test_a_volunteer_downloads_their_data_and_deletes_their_account(live_server: Any, page: Any, shot: Any,
                                                                    settings: Any, tmp_path: Path) -> None:
    from django.contrib.auth import get_user_model

    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.reports import services as reports
    from wildwatch.hub.reports.models import Report

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    spotters = accounts.create_organisation("bd-spotters", "Browser Data Spotters", "volunteers")
    user = accounts.add_member(spotters, "mira", "volunteer", password=PASSWORD, email="mira@example.org")
    other = accounts.add_member(spotters, "olek", "volunteer", password=PASSWORD, email="olek@example.org")
    report = reports.file_report("volunteer", "https://bshop.example/item/5", reporter=user,
                                 notes="Pangolin scales, bulk price")
    reports.file_report("volunteer", "https://bshop.example/item/5", reporter=other, notes="Olek's notes")
    base = live_server.url

    login(page, base, "mira")
    page.goto(base + "/volunteers/")
    with page.expect_navigation():
        page.locator("#my-data-link").click()
    assert page.url.endswith("/volunteers/my-data/")
    shot(page, "volunteer-data-1-page")

    with page.expect_download() as info:
        page.locator("#download-link").click()
    download = info.value
    assert download.suggested_filename.startswith("wildwatch-my-data-")
    saved = tmp_path / download.suggested_filename
    download.save_as(str(saved))
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["account"]["username"] == "mira" and data["account"]["email"] == "mira@example.org"
    assert [r["notes"] for r in data["reports"]] == ["Pangolin scales, bulk price"]
    assert "olek" not in saved.read_text(encoding="utf-8").lower()

    # without the tick, nothing is deleted
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Delete my account and data").click()
    assert "Nothing was deleted" in page.locator("main").inner_text()
    assert get_user_model().objects.get(pk=user.pk).is_active

    page.fill("#id_password", PASSWORD)
    page.check("#id_confirm")
    shot(page, "volunteer-data-2-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="Delete my account and data").click()
    assert page.url.rstrip("/") == base.rstrip("/")
    assert "Your account and your personal data were deleted" in page.locator("body").inner_text()
    shot(page, "volunteer-data-3-deleted")

    page.goto(base + "/volunteers/my-data/")
    assert "/accounts/login/" in page.url  # signed out
    login(page, base, "mira")
    assert "/accounts/login/" in page.url  # the account is gone

    gone = get_user_model().objects.get(pk=user.pk)
    assert gone.username == f"deleted-{user.pk}" and not gone.is_active and gone.email == ""
    report.refresh_from_db()
    assert report.reporter is None and report.notes == "Pangolin scales, bulk price"
    assert Report.objects.filter(reporter=other).count() == 1
