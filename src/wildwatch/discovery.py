"""Keyword discovery: candidate terms that are frequent in confirmed listings and rare in no-violation ones.

Traffickers change words constantly; the listings reviewers confirm carry the new ones. ``suggest_terms`` counts,
in each listing's normalised text (``wildwatch.detect.normalize``: case, accents, homoglyphs, leetspeak undone),
the word n-grams of 1 to ``max_words`` words and, in scripts written without spaces (Chinese, Japanese, Thai…),
the character n-grams of 2 to 4 characters: each counted once per listing. A candidate is ranked by Dunning's
log-likelihood ratio G² on the 2×2 table (confirmed or not × contains it or not), kept when it is over-represented
in confirmed listings, found in at least ``min_positive`` of them, and significant (``p`` from the χ² distribution
with one degree of freedom, under ``alpha`` divided by the number of n-grams tested: a Bonferroni correction, since
thousands are tested at once).

Known terms are left out, with the n-grams that lie inside one or are made only of known terms; so are rejected candidates (an
analyst said no: they are never proposed again) and n-grams made only of numbers. A shorter n-gram is dropped when a
longer candidate contains it in almost as many confirmed listings (it adds nothing: "white" inside "white gold"). Each candidate
says which known code words it appears with (in the same confirmed listings): a new word next to a known code word
is often its replacement. No Django here: the hub and the command line both call it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wildwatch.detect.charmaps import NO_SPACE_CLASS
from wildwatch.detect.normalize import normalize_batch

_NO_SPACE = re.compile(f"[{NO_SPACE_CLASS}]+")
_WORD = re.compile(r"\w+")
#: examples kept per candidate
EXAMPLES = 3


@dataclass(frozen=True)
class Candidate:
    term: str  # the normalised n-gram
    positives: int  # confirmed listings that contain it
    negatives: int  # no-violation listings that contain it
    score: float  # G²
    p_value: float
    examples: tuple[int, ...]  # indices of confirmed listings that contain it
    cooccurs: tuple[str, ...]  # known code words found in the same confirmed listings, most frequent first


def grams(normalized: str, max_words: int = 3) -> set[str]:
    """The n-grams of one normalised text (see the module)."""
    words: list[str] = []
    chars: set[str] = set()
    for token in _WORD.findall(normalized):
        runs = _NO_SPACE.findall(token)
        if runs:
            for run in runs:
                chars.update(run[i:i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1))
            rest = _NO_SPACE.sub(" ", token).split()
            words.extend(rest)
        else:
            words.append(token)
    out = {" ".join(words[i:i + n]) for n in range(1, max_words + 1) for i in range(len(words) - n + 1)}
    return {g for g in out | chars if not g.replace(" ", "").isdigit() and len(g) > 1}


def _g2(a: int, b: int, c: int, d: int) -> float:
    """Dunning's log-likelihood ratio of a 2×2 table [[a, b], [c, d]]."""
    n = a + b + c + d
    total = 0.0
    for observed, row, col in ((a, a + b, a + c), (b, a + b, b + d), (c, c + d, a + c), (d, c + d, b + d)):
        if observed:
            total += observed * math.log(observed * n / (row * col))
    return 2.0 * total


def _contains(gram: str, other: str) -> bool:
    return f" {other} " in f" {gram} " if " " in gram or " " in other else other in gram


def _known_inside(gram: str, known: set[str]) -> bool:
    """Whether the n-gram says nothing new: it is a known term, lies inside one, or every one of its words
    belongs to a known term inside it ("blanc os" is new even though "os" is known; "rhino horn" is not)."""
    if gram in known or any(len(k) > len(gram) and _contains(k, gram) for k in known):
        return True
    words = gram.split(" ")
    covered = [False] * len(words)
    for n in range(1, len(words) + 1):
        for i in range(len(words) - n + 1):
            if " ".join(words[i:i + n]) in known:
                covered[i:i + n] = [True] * n
    return all(covered)


def _normalised(terms: Iterable[str]) -> set[str]:
    return {" ".join(k.split()) for k in normalize_batch([str(t) for t in terms]) if k.strip()}


def suggest_terms(positives: Sequence[str], negatives: Sequence[str], *, known: Iterable[str] = (),
                  code_words: Iterable[str] = (), rejected: Iterable[str] = (), top: int = 50,
                  min_positive: int = 3, max_words: int = 3, alpha: float = 0.01) -> list[Candidate]:
    """The ``top`` candidate terms of confirmed listings (``positives``) against no-violation ones
    (``negatives``), most significant first. ``known`` and ``code_words`` are the library's terms (any spelling:
    they are normalised here), ``rejected`` the candidates analysts turned down."""
    pos_grams = [grams(t, max_words) for t in normalize_batch(list(positives))]
    neg_grams = [grams(t, max_words) for t in normalize_batch(list(negatives))]
    n_pos, n_neg = len(pos_grams), len(neg_grams)
    if not n_pos or not n_neg:
        return []
    known_set = _normalised(known)
    code_set = _normalised(code_words)
    known_set |= code_set
    rejected_set = _normalised(rejected)
    pos_count: Counter[str] = Counter(g for gs in pos_grams for g in gs)
    neg_count: Counter[str] = Counter(g for gs in neg_grams for g in gs)
    tested = [g for g, a in pos_count.items() if a >= min_positive and a / n_pos > neg_count[g] / n_neg]
    limit = alpha / max(1, len(tested))
    scored: dict[str, tuple[float, float]] = {}
    for gram in tested:
        if gram in rejected_set or _known_inside(gram, known_set):
            continue
        a, b = pos_count[gram], neg_count[gram]
        g2 = _g2(a, b, n_pos - a, n_neg - b)
        p = math.erfc(math.sqrt(g2 / 2.0))
        if p < limit:
            scored[gram] = (g2, p)
    # a shorter n-gram found (almost) only inside a longer candidate adds nothing: "象牙" inside "象牙手镯"
    kept = {o: v for o, v in scored.items()
            if not any(g != o and _contains(g, o) and pos_count[o] <= pos_count[g] * 1.1 for g in scored)}
    ranked = sorted(kept, key=lambda g: (-kept[g][0], g))[:top]
    wanted = set(ranked)
    examples: dict[str, list[int]] = defaultdict(list)
    together: dict[str, Counter[str]] = defaultdict(Counter)
    for index, gs in enumerate(pos_grams):
        found = gs & wanted
        if not found:
            continue
        codes = [c for c in code_set if c in gs]
        for gram in found:
            if len(examples[gram]) < EXAMPLES:
                examples[gram].append(index)
            together[gram].update(codes)
    return [Candidate(g, pos_count[g], neg_count[g], round(kept[g][0], 3), kept[g][1], tuple(examples[g]),
                      tuple(c for c, _ in together[g].most_common(5))) for g in ranked]
