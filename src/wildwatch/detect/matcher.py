"""The compiled multi-pattern automaton over normalised text (Hyperscan, literal mode).

Every term is normalised exactly as listings are (``normalize.term_variants``), padded with spaces when its
script is written with spaces (whole-word match), and compiled once. Patterns that several terms share are
compiled once and map back to all of them.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import hyperscan

from .variants import term_variants_many


@dataclass(frozen=True, slots=True)
class Match:
    """A pattern occurrence: byte offsets into the scanned UTF-8 buffer."""

    pattern: int
    start: int
    end: int


class Matcher:
    """A set of terms compiled into one Hyperscan database. Build once, scan many times."""

    def __init__(self, terms: Sequence[tuple[str, str]] | Sequence[tuple[str, str, bool]]) -> None:
        """``terms``: (text, lang) or (text, lang, plurals) tuples; pattern ids map back to indices into this
        sequence."""
        index: dict[bytes, list[int]] = {}
        specs = [(str(e[0]), str(e[1]), bool(e[2]) if len(e) > 2 else True) for e in terms]
        for i, variants in enumerate(term_variants_many(specs)):
            for variant in variants:
                index.setdefault(variant.encode("utf-8"), []).append(i)
        self.patterns: list[bytes] = list(index)
        self.owners: list[tuple[int, ...]] = [tuple(dict.fromkeys(index[p])) for p in self.patterns]
        self._lengths = [len(p) for p in self.patterns]
        self._db: hyperscan.Database | None = None
        self._local = threading.local()  # Hyperscan scratch space is per thread: one Matcher serves many threads
        if self.patterns:
            self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            self._db.compile(
                expressions=self.patterns,
                ids=list(range(len(self.patterns))),
                elements=len(self.patterns),
                flags=0,
                literal=True,
            )

    def __len__(self) -> int:
        return len(self.patterns)

    def scan(self, data: bytes) -> list[Match]:
        """All occurrences, overlapping ones included."""
        if self._db is None or not data:
            return []
        out: list[Match] = []
        lengths = self._lengths

        def on_match(pid: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            out.append(Match(pid, to - lengths[pid], to))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return out

    def listings_hit(self, data: bytes, starts: Sequence[int]) -> set[int]:
        """Indices of the listings (starting at byte offsets ``starts``, sorted) that hold any pattern."""
        if self._db is None or not data:
            return set()
        hit: set[int] = set()

        def on_match(_pid: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            hit.add(bisect.bisect_right(starts, to - 1) - 1)

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch())
        return hit

    def _scratch(self) -> hyperscan.Scratch:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._db)
        return scratch
