"""The candidate-terms page: candidates from the review outcomes, proposed into the curation workflow in one
step, or rejected and never suggested again; analysts only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from login_helpers import login

from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.library import candidates
from wildwatch.hub.library.models import Proposal, RejectedCandidate
from wildwatch.hub.reports.models import Case, Decision

pytestmark = pytest.mark.django_db


def _decided(n: int, text: str, action: str) -> None:
    case = Case.objects.create(canonical_url=f"https://c.example/{n}", url=f"https://c.example/{n}",
                               host="c.example", listing_text=text, status="decided")
    Decision.objects.create(case=case, category="prohibited", action=action)


@pytest.fixture
def outcomes(db: Any) -> None:
    fillers = ["nice carved piece for sale", "old family item, good price", "collection piece, ships fast",
               "rare gift, contact me", "vintage decor for your home"]
    for n in range(20):
        _decided(n, f"{fillers[n % 5]} mamothivory bangle #{n}", "removed_listing")
    for n in range(20, 80):
        _decided(n, f"{fillers[n % 5]} wooden bangle #{n}", "no_violation")
    candidates.forget()


def _analyst(password: str) -> Client:
    client = Client()
    assert login(client, "user-analyst", password)
    return client


def test_candidates_from_review_outcomes_become_proposals(outcomes: None, role_users: dict[str, Any],
                                                          password: str) -> None:
    client = _analyst(password)
    page = client.get("/library/candidates/")
    assert page.status_code == 200
    found = page.context["found"]
    assert (found["positives"], found["negatives"]) == (20, 60)
    top = found["candidates"][0]
    assert top["term"] == "mamothivory bangle" and top["positives"] == 20 and top["negatives"] == 0
    assert "mamothivory" in top["examples"][0]
    response = client.post("/library/candidates/", {"term": top["term"], "decision": "propose", "lang": "en",
                                                    "kind": "cover", "category": "prohibited",
                                                    "positives": 20, "negatives": 0}, follow=True)
    assert Proposal.objects.exists(), response.content.decode()[-3000:]
    proposal = Proposal.objects.get()
    assert proposal.state == "pending" and proposal.payload["term"] == "mamothivory bangle"
    assert "keyword discovery" in proposal.payload["source"] and proposal.proposed_by == role_users["analyst"]
    assert "Proposed" in response.content.decode()
    # a pending proposal is not suggested again
    assert all(c["term"] != "mamothivory bangle" for c in client.get("/library/candidates/").context["found"][
        "candidates"])


def test_rejected_candidates_never_come_back(outcomes: None, role_users: dict[str, Any], password: str) -> None:
    client = _analyst(password)
    term = client.get("/library/candidates/").context["found"]["candidates"][0]["term"]
    client.post("/library/candidates/", {"term": term, "decision": "reject", "reason": "a brand name"})
    assert RejectedCandidate.objects.filter(term=term).exists()
    assert all(c["term"] != term for c in client.get("/library/candidates/").context["found"]["candidates"])
    missing_lang = client.post("/library/candidates/", {"term": "xyz", "decision": "propose"}, follow=True)
    assert "language" in missing_lang.content.decode() and not Proposal.objects.exists()
    assert client.post("/library/candidates/", {"decision": "maybe"}).status_code == 400


def test_only_analysts(outcomes: None, role_users: dict[str, Any], password: str) -> None:
    for role in ("reviewer", "member_admin", "officer", "volunteer"):
        client = Client()
        assert login(client, f"user-{role}", password)
        assert client.get("/library/candidates/").status_code == 403
    assert accounts  # the role users come from the shared fixture
