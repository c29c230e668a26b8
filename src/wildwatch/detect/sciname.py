"""Scientific-name helpers shared by the importers: the library's taxon slug and synonym parsing."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["parse_synonyms", "taxon_id"]

_HIGHER_RANKS: Final = frozenset({"genus", "subfamily", "family", "superfamily", "order", "class", "phylum"})
#: Lower-case words that start author names or citations, never epithets.
_PARTICLES: Final = (
    r"(?:de|da|do|des|di|du|del|della|la|le|van|von|der|den|ter|zu|ex|in|et|and|emend|non|nec|sensu|auct|hort)"
)
_BINOMIAL: Final = re.compile(
    r"(?<![\w.])[A-Z][a-z]+(?:-[a-z]+)?(?:\s+\([A-Z][a-z]+\))?"
    rf"(?:\s+(?!{_PARTICLES}\b)[a-z][a-z-]+\b(?!\.)){{1,2}}"
    rf"(?:\s+(?:var|subsp|ssp|f|forma)\.\s*(?!{_PARTICLES}\b)[a-z][a-z-]+)?"
)
_UNINOMIAL: Final = re.compile(r"\s*([A-Z][a-z]+)(?:\s+(?:[A-Z(].*)?)?")


def taxon_id(scientific_name: str) -> str:
    """The library's slug for a taxon: ``"Loxodonta africana"`` -> ``"loxodonta-africana"``."""
    return re.sub(r"[^a-z0-9]+", "-", scientific_name.lower()).strip("-")


def parse_synonyms(text: str, rank: str = "species") -> list[str]:
    """Scientific names from a ``SynonymsWithAuthors`` cell, without authors and years, in order, deduplicated.

    Names are found by their shape (a capitalised genus, then one or two lower-case epithets, optionally
    ``var.``/``subsp.`` and a third) rather than by splitting on commas, because author lists contain commas too
    ("Smith, Jones & Brown, 1901"). For ranks above species a comma-separated piece that starts with a single
    capitalised word counts as a uninomial synonym.
    """
    found = [" ".join(match[0].split()) for match in _BINOMIAL.finditer(text)]
    if rank in _HIGHER_RANKS:
        for piece in text.split(","):
            match = _UNINOMIAL.fullmatch(piece)
            if match and not any(name.startswith(match[1] + " ") for name in found):
                found.append(match[1])
    return list(dict.fromkeys(found))
