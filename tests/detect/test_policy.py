"""Each policy rule, on a small hand-written library, and the platform profiles."""

from __future__ import annotations

import pytest

from wildwatch.detect.categories import CATEGORIES, PRODUCTS, category_for_appendix
from wildwatch.detect.engine import Detector
from wildwatch.detect.library import Library
from wildwatch.detect.policy import Policy, PolicyError, Profile


def verdict(d: Detector, text: str) -> str:
    return d.check(text).verdict


def test_closed_lists() -> None:
    assert CATEGORIES == ("prohibited", "restricted", "cover", "allowed")
    assert "ivory" in PRODUCTS and "live_animal" in PRODUCTS and len(PRODUCTS) == 10
    assert [category_for_appendix(a) for a in ("I", "II", "III", None)] == [
        "prohibited", "restricted", "restricted", "allowed"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("carved ivory bangle for sale", "block"),  # prohibited product + part + intent
        ("rhino horn", "review"),  # prohibited product, no intent
        ("rhino horn, whatsapp me", "block"),
        ("ivory", "allow"),  # ambiguous and uncorroborated
        ("ivory dress for sale", "allow"),  # colour context beats the sale
        ("carved ivory", "review"),  # corroborated by a part word
        ("mammoth ivory carving for sale", "review"),  # cover term: review, never block
        ("resin ivory statue for sale", "allow"),  # replica
        ("rhino horn poaching crisis", "allow"),  # awareness without an offer
        ("rhino horn poaching, for sale", "allow"),  # debate about the trade next to the product
        ("rhino horn for sale, whatsapp me." + " more text" * 8 + " stop poaching", "block"),  # far: no excuse
        ("blue-fronted amazon for sale", "review"),  # Appendix II: review, never block
        ("live grey parrot for sale", "block"),  # Appendix I live animal
        ("African elephant", "allow"),  # a prohibited animal named alone: no part, product or offer
        ("African elephant for sale", "block"),
        ("tiger balm", "allow"),  # brand: the longer hit hides "tiger"
        ("tiger", "allow"),  # ambiguous name alone
        ("tiger skin for sale", "block"),
    ],
)
def test_rules(tiny_detector: Detector, text: str, expected: str) -> None:
    assert verdict(tiny_detector, text) == expected, tiny_detector.check(text).reasons


def test_reasons_name_the_policy(tiny_detector: Detector) -> None:
    d = tiny_detector.check("carved ivory bangle for sale")
    assert d.reasons[0].startswith("prohibited: 'ivory'")
    assert any("sale intent: for sale" in r for r in d.reasons)
    assert any("part or derivative" in r for r in d.reasons)
    assert any(r.startswith("'ivory' is used as a colour") for r in tiny_detector.check("ivory dress").reasons)


def test_scores_are_bounded_and_ordered(tiny_detector: Detector) -> None:
    scores = [tiny_detector.check(t).score for t in ("ivory", "rhino horn", "rhino horn for sale")]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores)


def test_strict_profile_blocks_mammoth_ivory(tiny: Library) -> None:
    strict = Detector(tiny, profile="strict-marketplace")
    d = strict.check("mammoth ivory carving for sale")
    assert d.verdict == "block"
    assert any("platform bans ivory of every animal" in r for r in d.reasons)
    assert Detector(tiny).check("mammoth ivory carving for sale").verdict == "review"


def test_instrument_exception_downgrades_to_review(tiny: Library) -> None:
    from wildwatch.detect.library import Term

    terms = [t for t in tiny.terms if t.id != "b5"] + [
        Term("k8", "piano", "en", "part", tags=("instrument",), source="test"),
        Term("k9", "antique", "en", "part", tags=("antique",), source="test"),
    ]
    lib = Library(tiny.version, tiny.taxa, terms, tiny.rules, tiny.profiles, tiny.messages)
    text = "antique piano with carved ivory keys for sale"
    assert Detector(lib).check(text).verdict == "block"
    d = Detector(lib, profile="classifieds-instruments").check(text)
    assert d.verdict == "review"
    assert any("antique musical instruments" in r for r in d.reasons)
    assert Detector(lib, profile="classifieds-instruments").check("carved ivory keys for sale").verdict == "block"


def test_unknown_profile_and_bad_rules(tiny: Library) -> None:
    with pytest.raises(PolicyError, match="unknown policy profile"):
        Policy(tiny, "nope")
    bad = Library(tiny.version, tiny.taxa, tiny.terms, {**tiny.rules, "rules": [{"id": "x", "when": {"moon": 1},
                                                                                  "add": 1}]})
    with pytest.raises(PolicyError, match="unknown condition"):
        Policy(bad)
    bad2 = Library(tiny.version, tiny.taxa, tiny.terms, {**tiny.rules, "rules": [{"id": "y", "when": {}}]})
    with pytest.raises(PolicyError, match="exactly one"):
        Policy(bad2)
    with pytest.raises(PolicyError, match="unknown category"):
        Profile.from_dict("p", {"overrides": [{"select": {"product": "ivory"}, "category": "maybe"}]})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fossil shark fin for sale", "allow"),  # fossils are not wildlife products
        ("modern shark fin, not a fossil, for sale", "review"),  # the seller says modern: the fossil rule yields
        ("shark fin for sale", "review"),  # restricted: review, never block
        ("wooden tiger carving for sale", "allow"),  # a material depicting an ambiguous animal
        ("shark fin antenna cover, black. Our unique shark fin design fits every car roof", "allow"),  # swallowed
        ("ivory box, c.1890", "review"),  # an antique date says "ivory" is the material
        ("rhino horn, $500", "block"),  # a price is an offer
    ],
)
def test_context_rules(tiny_detector: Detector, text: str, expected: str) -> None:
    assert verdict(tiny_detector, text) == expected, tiny_detector.check(text).reasons


def test_language_consistency(tiny_detector: Detector) -> None:
    # German "Stör" folds to "stor": the English word "store" must not match it...
    assert tiny_detector.check("visit our store today, for sale").hits == ()
    # ...but the German word with its umlaut, or in German company, does.
    assert any(h.term == "Stör" for h in tiny_detector.check("Stör zu verkaufen").hits)
    assert any(h.term == "Stör" for h in tiny_detector.check("stor zu verkaufen").hits)  # a German phrase
