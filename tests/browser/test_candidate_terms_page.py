"""An analyst opens the candidate terms drawn from review outcomes and proposes one: it becomes a pending proposal."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-9"


def test_propose_a_candidate_term(live_server: Any, page: Any, shot: Any, settings: Any) -> None:
    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.library import candidates
    from wildwatch.hub.library.models import Proposal
    from wildwatch.hub.reports.models import Case, Decision

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    accounts.add_member(accounts.create_organisation("bc-ngo", "NGO", "ngo"), "bc-analyst", "analyst",
                        password=PASSWORD)
    for n in range(40):
        text = f"carved bangle lot {n} " + ("xiangya hand made" if n < 12 else "teak wood")
        case = Case.objects.create(canonical_url=f"https://b.example/{n}", url=f"https://b.example/{n}",
                                   host="b.example", listing_text=text, status="decided")
        Decision.objects.create(case=case, category="prohibited",
                                action="removed_listing" if n < 12 else "no_violation")
    candidates.forget()

    login(page, live_server.url, "bc-analyst", "/accounts/login/?next=/library/candidates/")
    row = page.locator("#candidate-1")
    assert row.locator("th").inner_text() == "xiangya hand made"
    row.locator("input[name=lang]").fill("zh")
    with page.expect_navigation():
        row.get_by_role("button", name="Propose").click()
    assert "Proposed: xiangya hand made" in page.inner_text("main")
    shot(page, "candidate-terms-proposed")
    proposal = Proposal.objects.get()
    assert proposal.payload["term"] == "xiangya hand made" and proposal.payload["lang"] == "zh"
    assert proposal.payload["kind"] == "cover"
