"""Evasion-robust normalisation, with an offset map back to the original text.

Two paths produce the same normalised text:

* :func:`normalize_batch` (the hot path) normalises many listings at once with C-speed string operations and
  gates every expensive step on a cheap pre-check. It returns no offsets.
* :func:`normalize` (the slow path) normalises one text character by character and also returns, for every
  normalised character, the span of the original text it came from. The engine calls it only for listings in
  which the hot path found a wildlife term.

The steps, in order (each documented in ``docs/architecture.md``):

1. Unicode NFKC (only where the text is not already NFKC).
2. One merged translation table: casefold, accent folding (Latin and Greek), zero-width and format characters removed,
   punctuation and symbols to spaces, emoji padded with spaces. Listings that contain Vietnamese letters keep their
   accents (the matcher holds both the accented and the plain form of every term).
3. Scripts written without spaces (Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar) are set apart from other
   text with spaces, so that "出售ivory手镯" still has the token "ivory". Only for listings that contain them.
4. Homoglyphs: Cyrillic and Greek letters are folded to Latin, only inside tokens that mix scripts. Only for
   listings that contain such letters.
6. Leetspeak (1→i, 0→o, 3→e, 4→a, 5→s, 7→t, @→a, $→s), only inside tokens that mix letters and digits and do not
   look like a quantity or a model number ("500g", "1kg", "mp3" stay intact). Candidates are found with one vectorised pass.
7. Letters spaced out with separators ("i.v.o.r.y", "i v o r y", "i-v-o-r-y") are joined (runs of three or more
   single ASCII letters). Candidates are found with one vectorised pass.
5. Repeated ASCII characters are collapsed ("ivoryyy" → "ivory", and "shell" → "shel": terms are normalised the
   same way), except digits. This also collapses runs of spaces. (Accent folding has made most Latin letters ASCII;
   repeats of other letters are kept, which keeps the hot path on bytes.)

Every normalised text starts and ends with a space, so that terms of space-delimited scripts, padded with spaces,
match whole words only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .charmaps import (
    _LEET_TOKEN,
    _LUT,
    _LUT_VI,
    _MIXED_TOKEN,
    _MULTI,
    _MULTI_VI,
    _NFKC_CLUSTER,
    _NO_SPACE_CHAR,
    _NO_SPACE_RUN,
    _NOT_1TO1,
    _NOT_1TO1_VI,
    _SINGLES_RUN,
    ASCII_TABLE,
    SEPARATOR,
    TABLE,
    TABLE_VI,
)
from .steps import (
    _F_CYRGREEK,
    _F_VI,
    _deleet_token,
    _flags,
    _homoglyph_token,
    _join_singles,
    _nfkc,
    _normalize_group,
    _pad_run,
    _token_candidates,
)


@dataclass(frozen=True, slots=True)
class NormalizedBatch:
    """Normalised listings as one UTF-8 buffer, ready for one scan: listing i is ``data[starts[i]:ends[i]]``."""

    data: bytes
    starts: list[int]
    ends: list[int]

    def piece(self, i: int) -> bytes:
        return self.data[self.starts[i] : self.ends[i]]


def normalize_batch_bytes(texts: Sequence[str]) -> NormalizedBatch:
    """Normalise many listings with C-speed steps; each piece equals ``normalize(text).text`` in UTF-8."""
    prepared = [_nfkc(t) for t in texts]
    groups: dict[int, list[int]] = {}
    for i, t in enumerate(prepared):
        groups.setdefault(-1 if t.isascii() else _flags(t), []).append(i)
    chunks: list[bytes] = []
    starts = [0] * len(texts)
    ends = [0] * len(texts)
    offset = 0
    for key, idx in groups.items():
        table: list[str] | dict[int, str] = ASCII_TABLE if key == -1 else (TABLE_VI if key & _F_VI else TABLE)
        flags = max(key, 0)
        parts = [prepared[i] for i in idx]
        pieces = _normalize_group(parts, table, flags).split(b"\n")
        if len(pieces) != len(idx):  # a listing held the separator itself: do these one by one
            pieces = [_normalize_group([p.replace(SEPARATOR, " ")], table, flags) for p in parts]
        for i, piece in zip(idx, pieces, strict=True):
            piece = _pad(piece)
            starts[i] = offset
            ends[i] = offset + len(piece)
            chunks.append(piece)
            offset += len(piece) + 1
    return NormalizedBatch(b"\n".join(chunks), starts, ends)


def normalize_batch(texts: Sequence[str]) -> list[str]:
    """Normalise many texts; the result for each equals ``normalize(text).text``."""
    batch = normalize_batch_bytes(texts)
    return [batch.piece(i).decode("utf-8") for i in range(len(texts))]


def _pad(piece: bytes) -> bytes:
    if not piece.startswith(b" "):
        piece = b" " + piece
    if not piece.endswith(b" "):
        piece = piece + b" "
    return piece


# --- the slow path, with offsets ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised text and, for each of its characters, the span of the original it came from."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised slice [start, end) to a slice of the original text (outer spaces trimmed)."""
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        if start >= end:
            pos = self.starts[min(start, len(self.starts) - 1)] if self.starts else 0
            return pos, pos
        return self.starts[start], self.ends[end - 1]


IntArray = np.ndarray
_Mapped = tuple[str, IntArray, IntArray]
Replacer = Callable[[str], str]


def _rewrite(m: _Mapped, pattern: re.Pattern[str], repl: Replacer) -> _Mapped:
    text, starts, ends = m
    chars: list[str] = []
    s_parts: list[IntArray] = []
    e_parts: list[IntArray] = []
    pos = 0
    for match in pattern.finditer(text):
        a, b = match.span()
        old = match.group()
        new = repl(old)
        if new == old:
            continue
        chars.append(text[pos:a])
        s_parts.append(starts[pos:a])
        e_parts.append(ends[pos:a])
        inner = new.find(old) if len(new) > b - a else -1
        if len(new) == b - a:
            s_parts.append(starts[a:b])
            e_parts.append(ends[a:b])
        elif inner >= 0:  # text inserted around the match (padding): the match keeps its own offsets
            tail = len(new) - inner - (b - a)
            s_parts.append(np.concatenate([np.full(inner, starts[a]), starts[a:b], np.full(tail, ends[b - 1])]))
            e_parts.append(np.concatenate([np.full(inner, starts[a]), ends[a:b], np.full(tail, ends[b - 1])]))
        else:
            s_parts.append(np.full(len(new), starts[a]))
            e_parts.append(np.full(len(new), ends[b - 1]))
        chars.append(new)
        pos = b
    if not chars:
        return m
    chars.append(text[pos:])
    s_parts.append(starts[pos:])
    e_parts.append(ends[pos:])
    return "".join(chars), np.concatenate(s_parts), np.concatenate(e_parts)


def _collapse_mapped(m: _Mapped) -> _Mapped:
    text, starts, ends = m
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if len(codes) < 2:
        return m
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    keep |= (codes >= 128) | ((codes >= 48) & (codes <= 57))
    if keep.all():
        return m
    kept = np.flatnonzero(keep)
    run_last = np.empty_like(kept)
    run_last[:-1] = kept[1:] - 1
    run_last[-1] = len(codes) - 1
    return codes[keep].tobytes().decode("utf-32-le"), starts[kept], ends[run_last]


def _map_chars(text: str, nfkc_needed: bool, table: list[str] | dict[int, str]) -> _Mapped:
    """NFKC and the translation table, keeping for each output character the span of ``text`` it came from."""
    n = len(text)
    idx = np.arange(n + 1, dtype=np.int64)
    mapped: _Mapped = (text, idx[:-1], idx[1:])
    if nfkc_needed:
        mapped = _rewrite(mapped, _NFKC_CLUSTER, lambda c: unicodedata.normalize("NFKC", c))
    s, starts, ends = mapped
    if table is ASCII_TABLE:
        s = s.replace(SEPARATOR, " ").translate(table)
    else:
        lut, multi, pattern = (_LUT_VI, _MULTI_VI, _NOT_1TO1_VI) if table is TABLE_VI else (_LUT, _MULTI, _NOT_1TO1)
        codes = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)
        one_to_one = lut[codes].tobytes().decode("utf-32-le")
        if multi[codes].any() or SEPARATOR in s:
            # 1:1 characters are done; the others (deleted, expanded, padded) keep their spans in a rewrite
            pieces = [one_to_one[i] if not multi[c] and c != ord(SEPARATOR) else s[i] for i, c in
                      enumerate(codes.tolist())]
            s, starts, ends = _rewrite(("".join(pieces), starts, ends), pattern,
                                       lambda run: run.replace(SEPARATOR, " ").translate(table))
        else:
            s = one_to_one
    return f" {s} ", np.concatenate([[0], starts, [n]]), np.concatenate([[0], ends, [n]])


def normalize(text: str) -> Normalized:
    """Normalise one text and keep the offset map (see the module docstring for the steps)."""
    prepared = _nfkc(text)
    nfkc_needed = prepared is not text and prepared != text
    flags = _flags(prepared)
    table = ASCII_TABLE if text.isascii() else (TABLE_VI if flags & _F_VI else TABLE)
    mapped = _map_chars(text, nfkc_needed, table)
    if not text.isascii() and _NO_SPACE_CHAR.search(mapped[0]):
        mapped = _rewrite(mapped, _NO_SPACE_RUN, _pad_run)
    if flags & _F_CYRGREEK:
        mapped = _rewrite(mapped, _MIXED_TOKEN, _homoglyph_token)
    mapped = _collapse_mapped(mapped)
    leet, singles = _token_candidates(mapped[0])
    if leet:
        mapped = _rewrite(mapped, _LEET_TOKEN, _deleet_token)
    if singles:
        mapped = _rewrite(mapped, _SINGLES_RUN, _join_singles)
    text_out, starts, ends = mapped
    return Normalized(text, text_out, tuple(starts.tolist()), tuple(ends.tolist()))


def normalize_term(term: str) -> str:
    """Normalise a library term exactly as listings are normalised (without the outer padding)."""
    return normalize_batch([term])[0].strip(" ")


