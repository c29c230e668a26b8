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

SEPARATOR = "\x1e"  # joins listings in a batch; becomes "\n" after translation

# --- character classes -------------------------------------------------------------------------------------------

#: Scripts written without spaces between words: matched as substrings.
NO_SPACE_CLASS = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f\u31a0-\u31bf\u31f0-\u31ff"  # Bopomofo, Katakana ext.
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # Hangul
)
_NO_SPACE_RUN = re.compile(f"[{NO_SPACE_CLASS}]+")
_NO_SPACE_SPLIT = re.compile(f"([{NO_SPACE_CLASS}]+)")
_CYR_GREEK_CHAR = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_NO_SPACE_CHAR = re.compile(f"[{NO_SPACE_CLASS}]")
_ZW = "[\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff]*"
_CYR_GREEK = re.compile(
    f"[a-zA-Z0-9@$]{_ZW}[\u0370-\u03ff\u0400-\u052f]|[\u0370-\u03ff\u0400-\u052f]{_ZW}[a-zA-Z0-9@$]"
)
_MIXED_TOKEN = re.compile("[^ \n]*[\u0370-\u03ff\u0400-\u052f][^ \n]*")
_LATIN = re.compile("[a-z]")
_VIETNAMESE = re.compile("[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
_SPECIAL = re.compile("[ăđơưĂĐƠƯ\u1ea0-\u1ef9\u0370-\u03ff\u0400-\u052f]")  # one scan gates both checks
_LEET_TOKEN = re.compile(r"(?<![^ \n])[a-z0-9@$]*(?:[a-z][013457@$]|[013457@$][a-z])[a-z0-9@$]*(?![^ \n])")
_QUANTITY = re.compile(r"\d+[a-z]+|[a-z]+\d+|@[a-z0-9]+")
_LEADING_LEET = re.compile(r"[013457@$][a-z]{3,}|[a-z]{3,}[013457$]")
_SINGLES_RUN = re.compile(r"(?<= )(?:[a-z013457@$] ){2,}[a-z013457@$](?= )")
_SINGLES_RUN_B = re.compile(rb"(?<= )(?:[a-z013457@$] ){2,}[a-z013457@$](?= )")
_LEET_TOKEN_B = re.compile(rb"[a-z0-9@$]+")

LEET = {"1": "i", "0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_TABLE = str.maketrans(LEET)

HOMOGLYPHS = {
    # Cyrillic (after casefold)
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ɡ": "g",
    # Greek (after casefold and accent folding)
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w",
}
_HOMOGLYPH_TABLE = str.maketrans(HOMOGLYPHS)

_SPECIAL_FOLDS = {"đ": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i", "ð": "d", "þ": "th", "ħ": "h",
                  "ŀ": "l", "ŧ": "t", "ё": "е"}
_KEEP_SYMBOLS = {"@", "$"}


def _is_emoji(cp: int) -> bool:
    return 0x1F300 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x1F000 <= cp <= 0x1F2FF


def _build_table(keep_latin_accents: bool) -> list[str]:
    """The merged translation table, indexed by code point (planes 0 and 1; the rest is left as it is)."""
    table = [chr(cp) for cp in range(0x20000)]
    for cp in range(0x20000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if ch == SEPARATOR:
            table[cp] = "\n"
        elif ch.isspace() or cat == "Cc":
            table[cp] = " "
        elif cat == "Cf" or 0xFE00 <= cp <= 0xFE0F or cp == 0x034F or cp == 0x0640:
            table[cp] = ""  # zero-width, format, variation selectors, tatweel
        elif 0x064B <= cp <= 0x065F or cp == 0x0670:
            table[cp] = ""  # Arabic harakat are optional
        elif 0x0300 <= cp <= 0x036F:
            table[cp] = ch if keep_latin_accents else ""
        elif _is_emoji(cp) and cat == "So":
            table[cp] = f" {ch} "
        elif cat[0] in "PS" and ch not in _KEEP_SYMBOLS:
            table[cp] = " "
        elif ch in _SPECIAL_FOLDS and not (keep_latin_accents and ch == "đ"):
            table[cp] = _SPECIAL_FOLDS[ch]
        elif ((0x00C0 <= cp <= 0x024F or 0x1E00 <= cp <= 0x1EFF) and not keep_latin_accents) or 0x0370 <= cp <= 0x03FF or 0x1F00 <= cp <= 0x1FFF:
            table[cp] = _strip_marks(ch)
    return table


def _strip_marks(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.casefold() or ch


def _with_casefold(base: list[str]) -> list[str]:
    """Fold case into the table, so that one ``str.translate`` does casefold and every folding at once
    (``str.casefold`` is context-free: character by character)."""
    out = list(base)
    for cp in range(len(base)):
        folded = chr(cp).casefold()
        if folded != chr(cp):
            out[cp] = "".join(base[ord(c)] if ord(c) < len(base) else c for c in folded)
    return out


TABLE = _with_casefold(_build_table(keep_latin_accents=False))
TABLE_VI = _with_casefold(_build_table(keep_latin_accents=True))
ASCII_TABLE = {cp: TABLE[cp] for cp in range(128) if TABLE[cp] != chr(cp)}


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


def _lut(table: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The table as a numpy lookup array for the characters that map to exactly one character, and a mask of
    the others (deleted, expanded, padded)."""
    lut = np.arange(0x110000, dtype=np.uint32)
    multi = np.zeros(0x110000, dtype=bool)
    for cp, out in enumerate(table):
        if len(out) == 1:
            lut[cp] = ord(out)
        else:
            multi[cp] = True
    return lut, multi


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


def _char_class(cps: Sequence[int]) -> str:
    """A regex character class for sorted code points, as ranges."""
    ranges: list[str] = []
    start = prev = cps[0]
    for cp in [*cps[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = cp
    return "[" + "".join(ranges) + "]"


def _not_one_to_one(table: list[str]) -> re.Pattern[str]:
    """Runs of characters that translate (casefold included) to anything but exactly one character, and the
    separator (the hot path maps it to a newline, the slow path to a space)."""
    cps = sorted({ord(SEPARATOR)} | {cp for cp in range(len(table)) if len(table[cp]) != 1})
    return re.compile(_char_class(cps) + "+")


def _nfkc_cluster_pattern() -> re.Pattern[str]:
    """What NFKC can change: a compatibility character, a character followed by combining marks, a run of
    conjoining Hangul jamo. Everything else is stable, so NFKC can run on these clusters alone."""
    planes = [*range(0x20000), *range(0x2F800, 0x2FA20), *range(0xE0000, 0xE0080)]  # + CJK compat, tags
    compat = [cp for cp in planes if unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
              and not unicodedata.combining(chr(cp)) and not 0x1100 <= cp <= 0x11FF]
    marks = [cp for cp in planes if unicodedata.combining(chr(cp))]
    return re.compile(f".?{_char_class(marks)}+|[\u1100-\u11ff]+|{_char_class(compat)}", re.DOTALL)


_NOT_1TO1 = _not_one_to_one(TABLE)
_NOT_1TO1_VI = _not_one_to_one(TABLE_VI)
_NFKC_CLUSTER = _nfkc_cluster_pattern()
_LUT, _MULTI = _lut(TABLE)
_LUT_VI, _MULTI_VI = _lut(TABLE_VI)


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
