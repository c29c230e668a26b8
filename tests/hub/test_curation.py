"""The curation workflow on the real database: propose, approve by a second analyst, reject; and its pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from login_helpers import login

from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.library import curation
from wildwatch.hub.library.models import Proposal, Term
from wildwatch.hub.library.services import create_term

pytestmark = pytest.mark.django_db

NEW: dict[str, Any] = {"term": "zebra-stripe dust", "lang": "en", "kind": "product", "group": "rhinos", "product": "horn",
       "tags": ["horn", "code"], "source": "field report"}


@pytest.fixture
def analysts(role_users: dict[str, Any]) -> tuple[Any, Any]:
    return role_users[Role.ANALYST], role_users[Role.COALITION_ADMIN]


@pytest.fixture
def ivory(db: Any) -> Term:
    return create_term({"term": "white gold carving", "lang": "en", "kind": "product", "product": "ivory",
                        "group": "elephants"})


def _client(user: Any, password: str) -> Client:
    client = Client()
    assert login(client, user.username, password)
    return client


def test_add_proposed_then_approved_by_a_second_analyst(analysts: tuple[Any, Any]) -> None:
    a, b = analysts
    proposal = curation.propose("add", actor=a, payload=NEW, comment="seen on three marketplaces")
    assert proposal.state == Proposal.State.PENDING
    assert not Term.objects.filter(term=NEW["term"]).exists()
    with pytest.raises(curation.CurationError, match="different analyst"):
        curation.approve(proposal, actor=a)
    assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.PENDING
    done = curation.approve(proposal, actor=b, comment="agreed")
    term = Term.objects.get(term=NEW["term"])
    assert term.status == Term.Status.ACTIVE and term.tags == ["horn", "code"] and term.product == "horn"
    assert done.state == Proposal.State.APPROVED and done.term == term and done.decided_by == b
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["proposal.create", "term.create", "proposal.approve"]
    with pytest.raises(curation.CurationError, match="already approved"):
        curation.approve(proposal, actor=b)


def test_reject_path(analysts: tuple[Any, Any]) -> None:
    a, b = analysts
    proposal = curation.propose("add", actor=a, payload=NEW)
    with pytest.raises(curation.CurationError, match="why"):
        curation.reject(proposal, actor=b, comment=" ")
    curation.reject(proposal, actor=b, comment="too generic")
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.REJECTED and proposal.decision_comment == "too generic"
    assert not Term.objects.filter(term=NEW["term"]).exists()
    assert AuditEntry.objects.filter(action="proposal.reject").count() == 1


def test_edit_and_retire(analysts: tuple[Any, Any], ivory: Term) -> None:
    a, b = analysts
    edit = curation.propose("edit", actor=a, term=ivory, payload={**_fields(ivory), "ambiguous": True,
                                                                   "tags": "ivory; carving"})
    assert edit.payload == {"ambiguous": True, "tags": ["ivory", "carving"]}  # only what changes
    with pytest.raises(curation.CurationError, match="pending"):
        curation.propose("retire", actor=b, term=ivory)
    curation.approve(edit, actor=b)
    ivory.refresh_from_db()
    assert ivory.ambiguous and ivory.tags == ["ivory", "carving"]
    with pytest.raises(curation.CurationError, match="changes nothing"):
        curation.propose("edit", actor=a, term=ivory, payload={"ambiguous": True})
    retire = curation.propose("retire", actor=b, term=ivory, comment="too many false hits")
    curation.approve(retire, actor=a)
    ivory.refresh_from_db()
    assert ivory.status == Term.Status.RETIRED
    history = set(AuditEntry.objects.filter(target=ivory.term_id).values_list("action", flat=True))
    assert {"proposal.create", "proposal.approve", "term.update", "term.retire"} <= history


def _fields(term: Term) -> dict[str, Any]:
    return {"term": term.term, "lang": term.lang, "kind": term.kind, "product": term.product}


def test_payload_is_checked_with_the_terms_rules(analysts: tuple[Any, Any], ivory: Term) -> None:
    a, _ = analysts
    for bad in ({**NEW, "kind": "name"}, {**NEW, "category": "banned"}, {**NEW, "taxon": "no-such-taxon"},
                {**NEW, "term": ""}, {**NEW, "colour": "red"}):
        with pytest.raises(ValidationError):
            curation.propose("add", actor=a, payload=bad)
    with pytest.raises(ValidationError, match="already"):
        curation.propose("add", actor=a, payload={"term": "White Gold carving", "lang": "en", "kind": "product"})
    curation.propose("add", actor=a, payload=NEW)
    with pytest.raises(curation.CurationError, match="pending"):
        curation.propose("add", actor=a, payload=NEW)
    assert Proposal.objects.count() == 1


def test_only_analysts_propose_and_decide(role_users: dict[str, Any], analysts: tuple[Any, Any]) -> None:
    proposal = curation.propose("add", actor=analysts[0], payload=NEW)
    for role in (Role.OFFICER, Role.ENGINEER, Role.REVIEWER, Role.VOLUNTEER):
        with pytest.raises(curation.CurationError):
            curation.propose("add", actor=role_users[role], payload={**NEW, "term": "other"})
        with pytest.raises(curation.CurationError):
            curation.approve(proposal, actor=role_users[role])


def test_the_pages_carry_the_workflow(analysts: tuple[Any, Any], password: str, ivory: Term) -> None:
    a, b = _client(analysts[0], password), _client(analysts[1], password)
    page = a.get(f"/library/propose/?term={ivory.pk}&action=retire")
    assert page.status_code == 200 and b"white gold carving" in page.content
    response = a.post("/library/propose/", {"action": "add", "comment": "new code word", "term": NEW["term"],
                                            "lang": "en", "kind": "product", "product": "horn", "tags": "horn"})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert response["Location"] == f"/library/proposals/{proposal.pk}/"
    assert NEW["term"].encode() in a.get("/library/proposals/").content
    refused = a.post(f"/library/proposals/{proposal.pk}/", {"decision": "approve", "comment": ""})
    assert refused.status_code == 200 and b"different analyst" in refused.content
    assert b.post(f"/library/proposals/{proposal.pk}/", {"decision": "approve"}).status_code == 302
    assert Term.objects.get(term=NEW["term"]).status == Term.Status.ACTIVE
    bad = a.post("/library/propose/", {"action": "add", "term": "x", "lang": "en", "kind": "product",
                                       "taxon": "no-such-taxon"})
    assert bad.status_code == 200 and b"unknown taxon" in bad.content
    retire = a.post("/library/propose/", {"action": "retire", "term_pk": ivory.pk, "comment": "noisy"})
    assert retire.status_code == 302
    rejected = b.post(retire["Location"], {"decision": "reject", "comment": "keep it"})
    assert rejected.status_code == 302
    assert Proposal.objects.get(term=ivory).state == Proposal.State.REJECTED
    assert Term.objects.get(pk=ivory.pk).status == Term.Status.ACTIVE
