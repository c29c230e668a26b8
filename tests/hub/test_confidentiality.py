"""No page or endpoint that the public or a volunteer can reach returns a term string of the keyword library.

Method: render every reachable page once with an empty library and once with the starter library loaded, with
term strings as search queries too; a term string that appears only in the loaded rendering is a leak. (Common
names and scientific names are public: they are not terms.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from login_helpers import login

from wildwatch.detect.normalize import normalize_term
from wildwatch.hub.library.models import CommonName, Taxon, Term
from wildwatch.hub.library.services import import_starter

pytestmark = pytest.mark.django_db

PROBES = ["ivory", "rhino horn", "白料", "ngà voi", "bear bile", "pangolin scales", "tortoiseshell", "mammoth ivory"]


def _routes(patterns: list[Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace != "admin":
                out += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append("/" + re.sub(r"<(?:\w+:)?\w+>", "1", prefix + str(p.pattern)))
    return out


def _crawl(client: Client) -> _Text:
    pages = []
    for url in [*_routes(get_resolver().url_patterns), *(f"/species/?q={q}" for q in PROBES)]:
        for lang in ("en", "fr"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang, follow=True)
            pages.append(response.content.decode("utf-8", "replace"))
    return _Text("\n".join(pages).casefold())


HUB = Path(__file__).resolve().parents[2] / "src" / "wildwatch" / "hub"


def _public_vocabulary() -> str:
    """The hub's own public copy (every UI string in every language) and the policy descriptions."""
    from wildwatch.detect.categories import CATEGORY_DESCRIPTIONS

    texts = [p.read_text("utf-8") for p in HUB.glob("**/locale/*/LC_MESSAGES/*.po")] + list(
        CATEGORY_DESCRIPTIONS.values())
    return "\n".join(texts).casefold()


def _secret_terms() -> set[str]:
    """Term strings that are not also public (a common or scientific name, compared as the engine normalises
    them: "ox blood coral" is the public name "ox-blood coral"), nor words of the hub's own public copy."""
    names = [*CommonName.objects.values_list("name", flat=True), *Taxon.objects.values_list("scientific_name",
                                                                                              flat=True)]
    public = {normalize_term(n) for n in names}
    vocabulary = _Text(_public_vocabulary())
    return {t for t in (t.casefold() for t in Term.objects.values_list("term", flat=True))
            if len(t) >= 4 and normalize_term(t) not in public and not _found(t, vocabulary)}


class _Text:
    """A text, and the set of its word sequences of up to five words, for whole-word look-ups."""

    def __init__(self, text: str) -> None:
        self.text = text
        words = re.findall(r"\w+", text)
        self.grams = {" ".join(words[i : i + n]) for n in range(1, 6) for i in range(len(words) - n + 1)}


def _found(term: str, text: _Text) -> bool:
    if not term.isascii():
        return term in text.text
    return " ".join(re.findall(r"\w+", term)) in text.grams


@pytest.mark.parametrize("who", ["anonymous", "volunteer"])
def test_no_term_reaches_the_public_or_volunteers(who: str, role_users: dict[str, Any], password: str) -> None:
    def client() -> Client:
        c = Client()
        if who == "volunteer":
            assert login(c, "user-volunteer", password)
        return c

    baseline = _crawl(client())
    import_starter()
    secrets = _secret_terms()
    assert len(secrets) > 1000
    loaded = _crawl(client())
    leaked = sorted(t for t in secrets if _found(t, loaded) and not _found(t, baseline))
    assert not leaked, leaked[:20]
