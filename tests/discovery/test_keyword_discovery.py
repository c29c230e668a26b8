"""Keyword discovery: new code words stand out of confirmed listings, known and rejected terms never come back,
common words never do, and a candidate says which code words it appears with."""

from __future__ import annotations

import random

from wildwatch.discovery import grams, suggest_terms

FILLER = ["beautiful", "vintage", "item", "for", "sale", "price", "good", "condition", "shipping", "available",
          "contact", "me", "today", "cheap", "original", "old", "nice", "gift", "collection", "rare"]


def listing(rng: random.Random, *extra: str) -> str:
    words = rng.sample(FILLER, 8) + list(extra)
    rng.shuffle(words)
    return " ".join(words)


def corpus() -> tuple[list[str], list[str]]:
    rng = random.Random(7)
    positives = [listing(rng, "wh1te g0ld", "tusk88") for _ in range(30)]  # a new code word, leetspeak
    positives += [listing(rng, "white gold") for _ in range(10)]
    positives += [listing(rng, "象牙手镯") for _ in range(12)]  # "ivory bracelet", written without spaces
    positives += [listing(rng, "buffalo bone") for _ in range(4)]
    negatives = [listing(rng, "buffalo bone") for _ in range(60)] + [listing(rng) for _ in range(300)]
    return positives, negatives


def test_new_code_words_stand_out() -> None:
    positives, negatives = corpus()
    found = suggest_terms(positives, negatives, known=["tusk88"], code_words=["tusk88"], top=10)
    terms = [c.term for c in found]
    assert "white gold" in terms  # "wh1te g0ld" and "white gold" are one after normalisation
    assert any("象牙" in t for t in terms)  # character n-grams in a script without spaces
    assert not any(w in terms for w in FILLER)  # everywhere: nothing to learn
    assert "buffalo bone" not in terms  # common in no-violation listings too
    white = next(c for c in found if c.term == "white gold")
    assert white.positives == 40 and white.negatives == 0 and white.p_value < 1e-6
    assert white.cooccurs == ("tusk88",)  # found beside a known code word
    assert len(white.examples) == 3 and all("g" in positives[i].lower() for i in white.examples)
    assert "tusk88" not in terms  # a known term is left out


def test_rejected_candidates_are_never_suggested_again() -> None:
    positives, negatives = corpus()
    found = suggest_terms(positives, negatives, rejected=["WHITE GOLD"], top=20)
    assert "white gold" not in [c.term for c in found]


def test_nothing_without_both_sides_and_no_numbers_alone() -> None:
    assert suggest_terms(["ivory 2024"] * 5, []) == []
    assert "2024" not in grams("ivory 2024 sale") and "ivory" in grams("ivory 2024 sale")
