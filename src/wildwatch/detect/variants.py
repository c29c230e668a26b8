"""The patterns a library term compiles to: normalised like listings, accented and plain forms, plurals."""

from __future__ import annotations

from collections.abc import Sequence

from .charmaps import (
    _NO_SPACE_CHAR,
    ASCII_TABLE,
    SEPARATOR,
    TABLE,
    TABLE_VI,
)
from .steps import (
    _F_VI,
    _collapse_str,
    _flags,
    _nfkc,
    _normalize_group,
)

#: Plural endings added to terms of these languages (Latin script only): matched as whole words.
PLURALS: dict[str, tuple[str, ...]] = {
    "en": ("s", "es"), "fr": ("s", "x"), "es": ("s", "es"), "pt": ("s",), "it": (), "de": ("e", "en", "n", "s"),
    "nl": ("s", "en"), "id": (), "ms": (), "sw": (),
}


def _normalize_with(term: str, table: list[str] | dict[int, str]) -> str:
    return _normalize_many([term], table)[0]


def _normalize_many(texts: Sequence[str], table: list[str] | dict[int, str]) -> list[str]:
    """Normalise many terms with one table (as listings are, without the outer padding), in one joined group per
    homoglyph flag."""
    prepared = [_nfkc(t) for t in texts]
    out = [""] * len(texts)
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(prepared):
        groups.setdefault(_flags(p) & ~_F_VI, []).append(i)
    for flags, idx in groups.items():
        parts = [prepared[i] for i in idx]
        pieces = _normalize_group(parts, table, flags).split(b"\n")
        if len(pieces) != len(idx):
            pieces = [_normalize_group([p.replace(SEPARATOR, " ")], table, flags) for p in parts]
        for i, piece in zip(idx, pieces, strict=True):
            out[i] = piece.decode("utf-8").strip(" ").replace("\n", " ")
    return out


def term_variants(term: str, lang: str = "und", plurals: bool = True) -> set[str]:
    """The patterns a term compiles to: normalised like listings, accented and plain forms, plural forms (for
    words of four letters or more, when ``plurals``), padded with spaces unless the script is written without
    spaces."""
    return term_variants_many([(term, lang, plurals)])[0]


def term_variants_many(terms: Sequence[tuple[str, str, bool]]) -> list[set[str]]:
    """``term_variants`` for many terms, normalised in a few joined groups (fast library builds)."""
    texts = [t for t, _, _ in terms]
    ascii_idx = [i for i, t in enumerate(texts) if t.isascii()]
    other_idx = [i for i, t in enumerate(texts) if not t.isascii()]
    forms: list[set[str]] = [set() for _ in texts]
    for table, idx in ((ASCII_TABLE, ascii_idx), (TABLE, other_idx), (TABLE_VI, other_idx)):
        for i, form in zip(idx, _normalize_many([texts[i] for i in idx], table), strict=True):
            if form:
                forms[i].add(form)
    out: list[set[str]] = []
    for (_, lang, plurals), fs in zip(terms, forms, strict=True):
        variants: set[str] = set()
        for form in fs:
            if _NO_SPACE_CHAR.search(form):
                variants.add(form)
                continue
            variants.add(f" {form} ")
            if plurals and form.isascii() and form[-1:].isalpha() and len(form.split(" ")[-1]) >= 4:
                for plural in _plurals(form, lang.split("-")[0]):
                    variants.add(f" {_collapse_str(plural)} ")
        out.append(variants)
    return out


def _plurals(form: str, lang: str) -> list[str]:
    out = []
    for ending in PLURALS.get(lang, ()):
        if ending == "x" and not form.endswith(("au", "eu", "ou")):
            continue
        if ending == "es" and lang == "en" and not form.endswith(("s", "x", "z", "ch", "sh", "o")):
            continue
        out.append(form + ending)
    if lang == "en" and form.endswith("y") and form[-2:-1] not in "aeiou":
        out.append(form[:-1] + "ies")
    if lang == "en" and form.endswith("f"):
        out.append(form[:-1] + "ves")
    return out

