"""The public pages on the real database: the home page in two languages and the protected-species search."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils.html import escape

from wildwatch.hub.library.models import CommonName, Taxon, Term
from wildwatch.hub.public import services

pytestmark = pytest.mark.django_db

#: Confidential terms: none of them may ever appear on a public page.
TERMS = [
    ("white gold", "en", "product", "elephant"),
    ("ngà voi", "vi", "product", "elephant"),
    ("or blanc sculpte", "fr", "product", "elephant"),
    ("xq scale tonic", "en", "intent", "pangolin"),
    ("khwp-code", "en", "intent", None),
]


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    # SQLite may hand out the same ids again after a test's rollback: start every test from an empty cache
    services.NAME_INDEX.invalidate()
    yield
    services.NAME_INDEX.invalidate()


def _taxon(taxon_id: str, scientific: str, group: str, appendix: str, category: str, products: list[str],
           names: list[tuple[str, str]], synonyms: list[str] | None = None, rank: str = "species") -> Taxon:
    taxon = Taxon.objects.create(taxon_id=taxon_id, scientific_name=scientific, rank=rank, group=group,
                                 cites_appendix=appendix, category=category, products=products,
                                 synonyms=synonyms or [])
    for i, (lang, name) in enumerate(names):
        CommonName.objects.create(name_id=f"{taxon_id}-{lang}-{i}", taxon=taxon, lang=lang, name=name)
    return taxon


@pytest.fixture
def library(db: Any) -> dict[str, Taxon]:
    taxa = {
        "elephant": _taxon("loxodonta-africana", "Loxodonta africana", "elephants", "I", "prohibited",
                           ["ivory", "bone_teeth_claws", "live_animal"],
                           [("en", "African elephant"), ("fr", "Éléphant d'Afrique"), ("vi", "voi châu Phi"),
                            ("zh", "非洲象")]),
        "pangolin": _taxon("manis-pentadactyla", "Manis pentadactyla", "pangolins", "I", "prohibited",
                           ["scales", "meat_eggs", "medicine_tonic"],
                           [("en", "Chinese pangolin"), ("fr", "Pangolin de Chine"), ("vi", "tê tê vàng"),
                            ("vi", "tê tê"), ("zh", "中华穿山甲")]),
        "python": _taxon("python-regius", "Python regius", "snakes", "II", "restricted", ["skin_fur", "live_animal"],
                         [("en", "ball python"), ("fr", "python royal")], synonyms=["Boa regia"]),
        "tiger": _taxon("panthera-tigris", "Panthera tigris", "big_cats", "I", "prohibited",
                        ["skin_fur", "bone_teeth_claws", "medicine_tonic", "trophy_taxidermy"],
                        [("en", "tiger"), ("fr", "tigre"), ("vi", "hổ")]),
        "mammoth": _taxon("mammuthus-primigenius", "Mammuthus primigenius", "mammoths", "", "cover", ["ivory"],
                          [("en", "woolly mammoth"), ("fr", "mammouth laineux")]),
    }
    for i, (term, lang, kind, taxon) in enumerate(TERMS):
        Term.objects.create(term_id=f"t{i}", term=term, lang=lang, kind=kind,
                            taxon=taxa[taxon] if taxon else None, category="prohibited")
    return taxa


def _search(client: Client, q: str, **params: str) -> str:
    response = client.get("/species/", {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def _found(html: str) -> list[str]:
    """The scientific names of the results, in order."""
    return re.findall(r'<h3 id="taxon-\d+"><i lang="la">([^<]+)</i></h3>', html)


def _set_language(client: Client, code: str, next_url: str = "/") -> None:
    response = client.post("/i18n/setlang/", {"language": code, "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url


# --- the home page -------------------------------------------------------------------------------------------------


def test_home_in_english(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "Keeping wildlife trafficking off the internet" in html
    for heading in ("Detection", "Human review", "Working with law enforcement", "Shared signals",
                    "Measuring progress", "A shared keyword library, kept private"):
        assert heading in html
    assert '<a class="button secondary" href="/reports/new/" aria-describedby="report-note">Report a listing</a>' in html
    assert "without an account" in html
    assert 'href="/species/"' in html


def test_home_in_french(client: Client) -> None:
    _set_language(client, "fr")
    html = client.get("/").content.decode()
    assert '<html lang="fr"' in html
    assert "Chasser le trafic d’espèces sauvages d’internet" in html
    assert "Signaler une annonce" in html and "sans compte" in html
    assert "Quelles espèces sont protégées ?" in html  # the navigation too
    assert "Keeping wildlife trafficking off the internet" not in html
    # and back to English
    _set_language(client, "en")
    assert "Keeping wildlife trafficking off the internet" in client.get("/").content.decode()


def test_the_language_switcher_returns_to_the_same_page(client: Client) -> None:
    html = client.get("/species/?q=tiger").content.decode()
    assert '<input name="next" type="hidden" value="/species/?q=tiger">' in html
    assert '<label for="language">' in html and '<option value="fr" lang="fr">' in html
    _set_language(client, "fr", "/species/?q=tiger")
    assert '<option value="fr" lang="fr" selected>' in client.get("/species/?q=tiger").content.decode()


# --- the species search --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "taxon"), [
    ("African elephant", "elephant"),
    ("african ELEPHANT", "elephant"),
    ("Éléphant d'Afrique", "elephant"),
    ("elephant d afrique", "elephant"),  # accents and punctuation do not matter
    ("voi châu Phi", "elephant"),
    ("voi chau phi", "elephant"),
    ("tê tê", "pangolin"),
    ("TÊ TÊ", "pangolin"),
    ("te te", "pangolin"),
    ("hổ", "tiger"),
    ("Pangolin de Chine", "pangolin"),
    ("穿山甲", "pangolin"),  # a script without spaces: part of a name
    ("Loxodonta africana", "elephant"),
    ("loxodonta", "elephant"),
    ("Boa regia", "python"),  # a synonym
    ("ball python", "python"),
    ("python royal", "python"),
])
def test_search_finds_the_taxon(client: Client, library: dict[str, Taxon], query: str, taxon: str) -> None:
    html = _search(client, query)
    found = _found(html)
    assert found and found[0] == library[taxon].scientific_name, found
    assert "Manis pentadactyla" not in found or taxon == "pangolin"


def test_a_result_shows_appendix_category_and_products(client: Client, library: dict[str, Taxon]) -> None:
    html = _search(client, "tê tê")
    assert _found(html) == ["Manis pentadactyla"]
    assert "Appendix I" in html
    assert '<span class="badge badge-prohibited">Prohibited</span>' in html
    assert "CITES Appendix I taxa and their parts and derivatives" in html  # the category's description
    assert "May not be sold" in html
    for label in ("Scales", "Meat and eggs", "Medicines and tonics"):
        assert f"<li>{label}</li>" in html
    assert "Chinese pangolin" in html  # its names in the visitor's language
    assert '<span lang="vi">“tê tê”</span> (Vietnamese)' in html  # and the name that matched

    html = _search(client, "ball python")
    assert "Appendix II" in html and '<span class="badge badge-restricted">Restricted</span>' in html
    assert "Sold only with proof of legal origin" in html and "<li>Skins, leather and fur</li>" in html

    html = _search(client, "woolly mammoth")
    assert "Not listed in the CITES appendices" in html and "badge-cover" in html


def test_a_result_in_french(client: Client, library: dict[str, Taxon]) -> None:
    _set_language(client, "fr")
    html = _search(client, "tê tê")
    assert _found(html) == ["Manis pentadactyla"]
    assert "Pangolin de Chine" in html  # the French name, shown to a French visitor
    assert "Annexe I" in html and '<span class="badge badge-prohibited">Interdit</span>' in html
    assert "Taxons de l’annexe I de la CITES" in html
    assert "Vente interdite" in html and "<li>Écailles</li>" in html
    assert "(Vietnamien)" in html
    assert "1 résultat pour « tê tê »" in html


def test_whole_names_come_first(client: Client, library: dict[str, Taxon]) -> None:
    _taxon("manis-javanica", "Manis javanica", "pangolins", "I", "prohibited", ["scales"],
           [("vi", "tê tê Java"), ("en", "Sunda pangolin")])
    _taxon("aaa-pangolin", "Aaa pangolinus", "pangolins", "I", "prohibited", ["scales"],
           [("vi", "tê tê lớn")])
    found = _found(_search(client, "tê tê"))
    assert found[0] == "Manis pentadactyla"  # the whole name "tê tê"
    assert set(found[1:]) == {"Manis javanica", "Aaa pangolinus"}
    assert found[1:] == sorted(found[1:])
    # a query must start a word of the name: "ant" does not find "elephant"
    assert _found(_search(client, "ant")) == []


def test_the_language_filter(client: Client, library: dict[str, Taxon]) -> None:
    assert _found(_search(client, "tê tê", lang="vi")) == ["Manis pentadactyla"]
    assert _found(_search(client, "tê tê", lang="en")) == []
    html = _search(client, "tiger", lang="fr")
    assert _found(html) == []
    # every language that names exist in, by its name and its own name (Django's spelling of them)
    assert '<option value="vi">Vietnamese (Ti' in html and '<option value="zh">Simplified Chinese (简体中文)</option>' in html


@pytest.mark.parametrize("query", ["white gold", "ngà voi", "nga voi", "or blanc sculpte", "xq scale tonic",
                                   "khwp-code", "khwp"])
def test_confidential_terms_are_never_found_nor_shown(client: Client, library: dict[str, Taxon], query: str) -> None:
    html = _search(client, query)
    assert _found(html) == []
    assert "0 results for" in html
    # the page says nothing that a query of nonsense would not say: no oracle for the confidential library
    nonsense = _search(client, "qqqzzz")

    def neutral(text: str, q: str) -> str:
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        return text.replace(quote_plus(q), "QUERY").replace(str(escape(q)), "QUERY")

    assert neutral(html, query) == neutral(nonsense, "qqqzzz")
    for term, *_ in TERMS:
        if term != query:
            assert term not in html


def test_no_public_page_shows_a_term(client: Client, library: dict[str, Taxon]) -> None:
    pages = ["/", "/species/", "/species/?group=elephants", "/species/?group=pangolins", "/species/?q=elephant",
             "/species/?q=pangolin", "/species/?q=voi", "/species/?q=t"]
    for url in pages:
        html = client.get(url).content.decode()
        for term, *_ in TERMS:
            assert term not in html, (url, term)


def test_pagination(client: Client, library: dict[str, Taxon]) -> None:
    for i in range(30):
        _taxon(f"zz-{i:02}", f"Zzlizardus number{i:02}", "lizards", "II", "restricted", ["skin_fur"],
               [("en", f"zebra lizard {i:02}")])
    html = _search(client, "zebra lizard")
    found = _found(html)
    assert len(found) == 25 and found[0] == "Zzlizardus number00"
    assert "30 results for" in html and "Page 1 of 2" in html
    assert 'href="?q=zebra+lizard&amp;page=2"' in html
    html = client.get("/species/", {"q": "zebra lizard", "page": "2"}).content.decode()
    assert _found(html) == [f"Zzlizardus number{i}" for i in range(25, 30)]
    assert '<ol class="taxa" start="26">' in html and "Previous" in html
    # a group's page is paginated too
    html = client.get("/species/", {"group": "lizards"}).content.decode()
    assert len(_found(html)) == 25 and "Page 1 of 2" in html


def test_without_a_query_the_groups_are_listed(client: Client, library: dict[str, Taxon]) -> None:
    html = client.get("/species/").content.decode()
    assert "Groups of protected species" in html
    for label in ("Elephants", "Pangolins", "Big cats", "Snakes", "Mammoths"):
        assert label in html
    assert '<a href="?group=pangolins">Pangolins</a>' in html
    assert 'Chinese pangolin (<i lang="la">Manis pentadactyla</i>)' in html  # a flagship taxon
    assert _found(html) == []
    html = client.get("/species/", {"group": "pangolins"}).content.decode()
    assert _found(html) == ["Manis pentadactyla"]
    empty = client.get("/species/", {"q": "   "}).content.decode()
    assert "Groups of protected species" in empty


def test_empty_library(client: Client) -> None:
    html = client.get("/species/").content.decode()
    assert "has not been loaded yet" in html
    assert "0 results for" in _search(client, "tiger")


def test_the_name_index_follows_the_database(client: Client, library: dict[str, Taxon]) -> None:
    assert _found(_search(client, "okapi")) == []
    name = CommonName.objects.create(name_id="okapi", taxon=library["python"], lang="en", name="okapi")
    assert _found(_search(client, "okapi")) == ["Python regius"]
    name.name = "okapia"
    name.save()
    assert _found(_search(client, "okapia")) == ["Python regius"]
    # another process changed the table: the count or the highest id tells
    CommonName.objects.filter(pk=name.pk).delete()
    services.NAME_INDEX.snapshot()
    CommonName.objects.bulk_create([CommonName(name_id="x1", taxon=library["tiger"], lang="en", name="okapi")])
    assert _found(_search(client, "okapi")) == ["Panthera tigris"]


def test_a_long_query_is_refused_politely(client: Client, library: dict[str, Taxon]) -> None:
    html = _search(client, "x" * 500)
    assert "Please shorten your search" in html
    assert _found(html) == []


def test_pages_are_accessible(client: Client, library: dict[str, Taxon]) -> None:
    for url in ("/", "/species/", "/species/?q=tiger"):
        html = client.get(url).content.decode()
        # every input has a label
        ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html)
        assert ids
        for element_id in ids:
            assert f'for="{element_id}"' in html, (url, element_id)
        # headings do not skip a level
        levels = [int(h) for h in re.findall(r"<h([1-6])\b", html)]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b - a <= 1 for a, b in pairwise(levels)), (url, levels)
        # the styles (a static file: the Content-Security-Policy allows no inline style) show the keyboard focus
        stylesheet = re.search(r'<link rel="stylesheet" href="/static/([^"]+)"', html)
        assert 'class="skip" href="#main"' in html and stylesheet
        assert ":focus-visible" in Path(str(finders.find(stylesheet.group(1)))).read_text(encoding="utf-8")
        assert "http://" not in html.split("<body")[0] and "https://" not in html.split("<body")[0]  # no CDN
