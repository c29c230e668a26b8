"""The normalisation steps shared by the hot path (bytes, vectorised) and the slow path (with offsets)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np

from .charmaps import (
    _CYR_GREEK,
    _CYR_GREEK_CHAR,
    _HOMOGLYPH_TABLE,
    _LATIN,
    _LEADING_LEET,
    _LEET_TABLE,
    _LEET_TOKEN_B,
    _LUT,
    _LUT_VI,
    _MIXED_TOKEN,
    _MULTI,
    _MULTI_VI,
    _NO_SPACE_CHAR,
    _NO_SPACE_SPLIT,
    _QUANTITY,
    _SINGLES_RUN_B,
    _SPECIAL,
    _VIETNAMESE,
    ASCII_TABLE,
    SEPARATOR,
    TABLE_VI,
)

# --- the steps, shared by both paths -------------------------------------------------------------------------


def _collapse_str(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if out and out[-1] == ch and ch < "\x80" and not ("0" <= ch <= "9"):
            continue
        out.append(ch)
    return "".join(out)


def _deleet_token(token: str) -> str:
    letters = sum(1 for c in token if "a" <= c <= "z")
    if letters < 2:
        return token
    if _QUANTITY.fullmatch(token) and not _LEADING_LEET.fullmatch(token):
        return token
    return _collapse_str(token.translate(_LEET_TABLE))


def _homoglyph_token(token: str) -> str:
    if _LATIN.search(token):
        return token.translate(_HOMOGLYPH_TABLE)
    return token


def _join_singles(run: str) -> str:
    joined = run.replace(" ", "")
    if sum(1 for c in joined if "a" <= c <= "z") < 2:
        return run
    return _deleet_token(_collapse_str(joined))


def _pad_run(run: str) -> str:
    return f" {run} "


# --- the hot path: bytes ---------------------------------------------------------------------------------------

_IS_LETTER = np.zeros(256, dtype=bool)
_IS_LETTER[ord("a") : ord("z") + 1] = True
_IS_LEET = np.zeros(256, dtype=bool)
for _c in "013457@$":
    _IS_LEET[ord(_c)] = True
_KEEP_REPEAT = np.zeros(256, dtype=bool)
_KEEP_REPEAT[ord("0") : ord("9") + 1] = True
_KEEP_REPEAT[128:] = True


def _collapse_bytes(data: bytes) -> tuple[bytes, np.ndarray]:
    codes = np.frombuffer(data, dtype=np.uint8)
    if len(codes) < 2:
        return data, codes
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    keep |= _KEEP_REPEAT[codes]
    if keep.all():
        return data, codes
    kept = codes[keep]
    return kept.tobytes(), kept


def _token_bounds(data: bytes, pos: int) -> tuple[int, int]:
    start = max(data.rfind(b" ", 0, pos), data.rfind(b"\n", 0, pos)) + 1
    ends = [e for e in (data.find(b" ", pos), data.find(b"\n", pos)) if e >= 0]
    return start, (min(ends) if ends else len(data))


def _token_fixes(data: bytes, codes: np.ndarray) -> bytes:
    """Leetspeak and spaced-out letters, on candidates found with vectorised comparisons."""
    if len(codes) < 3:
        return data
    letter = _IS_LETTER[codes]
    leet = _IS_LEET[codes]
    leet_pos = np.flatnonzero((letter[:-1] & leet[1:]) | (leet[:-1] & letter[1:]))
    space = codes == 32
    single = letter | leet
    singles = np.flatnonzero(
        space[:-6] & single[1:-5] & space[2:-4] & single[3:-3] & space[4:-2] & single[5:-1] & space[6:]
    ) if len(codes) >= 7 else leet_pos[:0]
    if not len(leet_pos) and not len(singles):
        return data
    edits: dict[int, tuple[int, bytes]] = {}
    for p in leet_pos.tolist():
        start, end = _token_bounds(data, p + 1)
        if start in edits:
            continue
        token = data[start:end]
        if _LEET_TOKEN_B.fullmatch(token):
            new = _deleet_token(token.decode("ascii")).encode("ascii")
            if new != token:
                edits[start] = (end, new)
    for p in singles.tolist():
        m = _SINGLES_RUN_B.match(data, p + 1)
        if m and m.start() not in edits:
            new = _join_singles(m.group().decode("ascii")).encode("ascii")
            if new != m.group():
                edits[m.start()] = (m.end(), new)
    if not edits:
        return data
    out: list[bytes] = []
    pos = 0
    for start in sorted(edits):
        end, new = edits[start]
        if start < pos:
            continue
        out.append(data[pos:start])
        out.append(new)
        pos = end
    out.append(data[pos:])
    return b"".join(out)


def _nfkc(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def _translate(s: str, table: list[str] | dict[int, str]) -> str:
    """``s.translate(table)``, with one vectorised lookup for every listing whose characters all map 1:1; the
    listings (between separators) that hold another character go through ``str.translate``."""
    if table is ASCII_TABLE or s.isascii():
        return s.translate(table)
    lut, multi = (_LUT_VI, _MULTI_VI) if table is TABLE_VI else (_LUT, _MULTI)
    codes = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)
    fast: str = lut[codes].tobytes().decode("utf-32-le")
    bad = np.flatnonzero(multi[codes])
    if not len(bad):
        return fast
    seps = np.flatnonzero(codes == ord(SEPARATOR))
    bounds = np.concatenate([[0], seps + 1, [len(codes)]])
    segments = np.unique(np.searchsorted(bounds, bad, side="right") - 1)
    pieces: list[str] = []
    pos = 0
    for seg in segments.tolist():
        a, b = int(bounds[seg]), int(bounds[seg + 1])
        pieces.append(fast[pos:a])
        pieces.append(s[a:b].translate(table))
        pos = b
    pieces.append(fast[pos:])
    return "".join(pieces)


def _token_candidates(text: str) -> tuple[bool, bool]:
    """Whether a text may hold a leetspeak token or spaced-out letters (the hot path's vectorised test)."""
    data = text.encode("utf-8")
    codes = np.frombuffer(data, dtype=np.uint8)
    if len(codes) < 3:
        return False, False
    letter = _IS_LETTER[codes]
    leet = _IS_LEET[codes]
    has_leet = bool(((letter[:-1] & leet[1:]) | (leet[:-1] & letter[1:])).any())
    if len(codes) < 7:
        return has_leet, False
    single = letter | leet
    space = codes == 32
    has_singles = bool(
        (space[:-6] & single[1:-5] & space[2:-4] & single[3:-3] & space[4:-2] & single[5:-1] & space[6:]).any()
    )
    return has_leet, has_singles


def _normalize_group(texts: Sequence[str], table: list[str] | dict[int, str], flags: int) -> bytes:
    s = f" {SEPARATOR} ".join(texts)
    s = _translate(f" {s} ", table)  # casefold is part of the table
    if not s.isascii() and _NO_SPACE_CHAR.search(s):
        s = " ".join(_NO_SPACE_SPLIT.split(s))  # pads every run with spaces, at C speed
    if flags & _F_CYRGREEK:
        s = _MIXED_TOKEN.sub(lambda m: _homoglyph_token(m.group()), s)
    data, codes = _collapse_bytes(s.encode("utf-8"))
    return _token_fixes(data, codes)


_F_CYRGREEK = 2
_F_VI = 4


def _flags(text: str) -> int:
    """What a listing needs beyond the common steps. Scripts without spaces are handled per group (a C-speed
    regex split that is a no-op where there are none), so they need no flag."""
    if text.isascii() or not _SPECIAL.search(text):
        return 0
    flags = _F_VI if _VIETNAMESE.search(text) else 0
    if _CYR_GREEK_CHAR.search(text) and _CYR_GREEK.search(text):
        flags |= _F_CYRGREEK
    return flags


