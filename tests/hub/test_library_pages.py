"""The library pages: who may see them, the audit of every view, effectiveness sorting, releases and downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from login_helpers import login

from wildwatch.detect.signing import load_signed_bundle
from wildwatch.hub.accounts import services as accounts
from wildwatch.hub.accounts.models import AuditEntry
from wildwatch.hub.accounts.roles import LIBRARY_READERS, Role
from wildwatch.hub.library import curation
from wildwatch.hub.library.models import Download, Proposal, Release, Term
from wildwatch.hub.library.services import create_term, import_starter, public_key, publish_release

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def signing_key_path(settings: Any, tmp_path: Path) -> Path:
    settings.SIGNING_KEY_PATH = tmp_path / "keys" / "signing-key.pem"
    return Path(settings.SIGNING_KEY_PATH)


@pytest.fixture
def terms(db: Any) -> list[Term]:
    made = []
    for text, hits, confirmed, rejected in (("aa good", 10, 9, 1), ("bb poor", 50, 1, 9), ("cc new", 0, 0, 0),
                                            ("dd fair", 5, 1, 1)):
        term = create_term({"term": text, "lang": "en", "kind": "intent"})
        Term.objects.filter(pk=term.pk).update(hits=hits, confirmed=confirmed, rejected=rejected)
        made.append(term)
    return made


def _client(user: Any, password: str) -> Client:
    client = Client()
    assert login(client, user.username, password)
    return client


def _pages(term: Term, proposal: Proposal, release: Release) -> list[str]:
    return [reverse("library:home"), reverse("library:term", args=[term.pk]), reverse("library:propose"),
            reverse("library:proposals"), reverse("library:proposal", args=[proposal.pk]),
            reverse("library:import"), reverse("library:releases"), reverse("library:release", args=[1]),
            reverse("library:release_download", args=[1]), reverse("library:diff", args=[1, 1])]


def test_who_may_see_what(role_users: dict[str, Any], password: str, terms: list[Term]) -> None:
    proposal = curation.propose("add", actor=role_users[Role.ANALYST], payload={"term": "x", "lang": "en",
                                                                               "kind": "intent"})
    release = publish_release()
    pages = _pages(terms[0], proposal, release)
    for url in pages:
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"], url
        assert _client(role_users[Role.VOLUNTEER], password).get(url).status_code == 403, url
    officer = _client(role_users[Role.OFFICER], password)
    for url in pages[:2] + pages[6:]:
        assert officer.get(url).status_code == 200, url
    for url in pages[2:6]:
        assert officer.get(url).status_code == 403, url
    assert officer.post(reverse("library:propose"), {"action": "add", "term": "y", "lang": "en",
                                                     "kind": "intent"}).status_code == 403
    assert officer.post(reverse("library:releases") + "publish/", {"changelog": "x"}).status_code == 403
    home = officer.get(reverse("library:home")).content.decode()
    assert "aa good" in home and "action=retire" not in home and reverse("library:propose") not in home
    reviewer = _client(role_users[Role.REVIEWER], password)
    assert reviewer.get(pages[7]).status_code == 200 and reviewer.get(pages[8]).status_code == 403
    assert Role.REVIEWER in LIBRARY_READERS


def test_every_view_is_audited(role_users: dict[str, Any], password: str, terms: list[Term]) -> None:
    officer = _client(role_users[Role.OFFICER], password)
    officer.get(reverse("library:home"), {"q": "good"})
    entry = AuditEntry.objects.filter(action="library.view").latest("id")
    assert entry.actor == role_users[Role.OFFICER] and entry.organisation is not None
    assert entry.details["terms"] == [terms[0].term_id] and entry.details["filters"] == {"q": "good"}
    officer.get(reverse("library:term", args=[terms[1].pk]))
    entry = AuditEntry.objects.filter(action="library.view").latest("id")
    assert entry.target == terms[1].term_id
    publish_release()
    officer.get(reverse("library:release", args=[1]))
    officer.get(reverse("library:diff", args=[1, 1]))
    officer.get(reverse("library:releases"))
    targets = list(AuditEntry.objects.filter(action="library.view").order_by("id").values_list("target", flat=True))
    assert targets[-3:] == ["release 1", "diff 1..1", "releases"]


def test_filters_and_effectiveness_sorting(role_users: dict[str, Any], password: str, terms: list[Term]) -> None:
    analyst = _client(role_users[Role.ANALYST], password)

    def order(**params: str) -> list[str]:
        html = analyst.get(reverse("library:home"), params).content.decode()
        return sorted((t.term for t in terms if t.term in html), key=html.index)

    assert order(sort="-precision") == ["aa good", "dd fair", "bb poor", "cc new"]
    assert order(sort="precision") == ["bb poor", "dd fair", "aa good", "cc new"]
    assert order(sort="-hits") == ["bb poor", "aa good", "dd fair", "cc new"]
    html = analyst.get(reverse("library:home"), {"sort": "-precision"}).content.decode()
    assert "0.90" in html and "0.10" in html and "action=retire" in html
    curation.propose("retire", actor=role_users[Role.ANALYST], term=terms[1])
    curation.approve(Proposal.objects.get(), actor=role_users[Role.COALITION_ADMIN])
    assert order(status="retired") == ["bb poor"]
    assert order(status="active", q="a") == ["aa good", "dd fair"]
    assert order(kind="product") == []
    term_page = analyst.get(reverse("library:term", args=[terms[1].pk])).content.decode()
    assert "term.retire" in term_page and "proposal.approve" in term_page


def test_publish_download_and_diff(role_users: dict[str, Any], password: str) -> None:
    import_starter()
    analyst = _client(role_users[Role.ANALYST], password)
    response = analyst.post(reverse("library:publish"), {"changelog": "first release"})
    assert response.status_code == 302 and response["Location"] == reverse("library:release", args=[1])
    assert "first release" in analyst.get(response["Location"]).content.decode()
    assert analyst.post(reverse("library:publish"), {"changelog": ""}).status_code == 200  # required
    assert Release.objects.count() == 1

    engineer = _client(role_users[Role.ENGINEER], password)
    url = reverse("library:release_download", args=[1])
    got = engineer.get(url)
    assert got.status_code == 200
    assert got["Content-Disposition"] == 'attachment; filename="wildwatch-library-1.wwlib"'
    library, manifest = load_signed_bundle(got.content, got["X-Wildwatch-Signature"], public_key())
    assert manifest["copy_for"] == "t-market" and len(library.terms) > 1000
    assert Download.objects.filter(organisation__slug="t-market", etag=got["ETag"].strip('"')).count() == 1
    again = engineer.get(url, HTTP_IF_NONE_MATCH=got["ETag"])
    assert again.status_code == 304 and not again.content and again["ETag"] == got["ETag"]
    assert Download.objects.count() == 1
    officer = _client(role_users[Role.OFFICER], password).get(url)
    analyst_copy = analyst.get(url)
    etags = {got["ETag"], officer["ETag"], analyst_copy["ETag"]}
    assert len(etags) == 3 and Download.objects.count() == 3
    assert AuditEntry.objects.filter(action="release.download").count() == 3

    proposal = curation.propose("add", actor=role_users[Role.ANALYST],
                                payload={"term": "kobushi bead", "lang": "en", "kind": "product",
                                         "product": "ivory"})
    curation.approve(proposal, actor=role_users[Role.COALITION_ADMIN])
    analyst.post(reverse("library:publish"), {"changelog": "one more code word"})
    diff = analyst.get(reverse("library:diff", args=[1, 2])).content.decode()
    added = diff.split('id="diff-added"')[1].split('id="diff-changed"')[0]
    assert "kobushi bead" in added and "(1)" in added
    releases = analyst.get(reverse("library:releases")).content.decode()
    assert reverse("library:diff", args=[1, 2]) in releases and "BEGIN PUBLIC KEY" in releases


def test_a_second_organisation_gets_another_copy(role_users: dict[str, Any], password: str,
                                                  terms: list[Term]) -> None:
    publish_release()
    other = accounts.create_organisation("t-shop2", "Other shop", "member")
    accounts.add_platform(other, "t-shop2-app", "App", "ecommerce")
    user = accounts.add_member(other, "engineer-2", Role.ENGINEER, password=password)
    url = reverse("library:release_download", args=[1])
    first = _client(role_users[Role.ENGINEER], password).get(url)
    second = _client(user, password).get(url)
    assert first["ETag"] != second["ETag"] and first.content != second.content
    assert _client(user, password).get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert set(Download.objects.values_list("organisation__slug", flat=True)) == {"t-market", "t-shop2"}
