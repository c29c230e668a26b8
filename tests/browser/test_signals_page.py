"""A member admin turns signal sharing on; a coalition analyst reinstates a signal two members disputed."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"


def test_share_signals_then_resolve_a_dispute(live_server: Any, page: Any, shot: Any, settings: Any) -> None:
    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.signals import services
    from wildwatch.hub.signals.models import Kind, Sharing, Signal, Status

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    market = accounts.create_organisation("bs-market", "Browser Market", "member")
    accounts.add_member(market, "bs-admin", "member_admin", password=PASSWORD)
    accounts.add_member(accounts.create_organisation("bs-ngo", "Browser NGO", "ngo"), "bs-analyst", "analyst",
                        password=PASSWORD)
    base = live_server.url

    login(page, base, "bs-admin", "/accounts/login/?next=/signals/")
    assert "Browser Market does not share signals yet." in page.inner_text("main")
    with page.expect_navigation():
        page.get_by_role("button", name="Share signals").click()
    assert "Signal sharing is on for Browser Market." in page.inner_text("main")
    assert Sharing.objects.get(organisation=market).enabled
    shot(page, "signals-1-sharing-on")

    # the market shares an image; two other members dispute it after matching it
    [signal] = services.contribute(market, services.Content(hashes=[(Kind.IMAGE_SHA256, "b" * 64)]),
                                   category="prohibited", source="api")
    for slug in ("bs-one", "bs-two"):
        other = accounts.create_organisation(slug, slug, "member")
        services.set_sharing(other, True)
        services.record_matches(other, [signal.pk])
        services.give_opinion(other, signal.pk, "dispute", "an antique with papers")
    assert Signal.objects.get(pk=signal.pk).status == Status.DISPUTED

    page.context.clear_cookies()
    login(page, base, "bs-analyst", "/accounts/login/?next=/signals/")
    row = page.locator(f"#disputed-{signal.pk}")
    assert "an antique with papers" in row.inner_text() and "bs-market" not in page.content()
    row.locator("input[name=note]").fill("seen the listing: ivory, no papers")
    with page.expect_navigation():
        row.get_by_role("button", name="Reinstate").click()
    assert f"Signal {signal.pk} reinstated." in page.inner_text("main")
    assert "No signal is disputed." in page.inner_text("#disputed")
    assert Signal.objects.get(pk=signal.pk).status == Status.ACTIVE
    shot(page, "signals-2-dispute-resolved")
