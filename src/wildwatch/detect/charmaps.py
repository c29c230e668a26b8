"""Character maps and classes of the normaliser: the merged translation tables (and their numpy lookup
arrays), the scripts written without spaces, homoglyphs, leetspeak, and what NFKC can change."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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



_NOT_1TO1 = _not_one_to_one(TABLE)
_NOT_1TO1_VI = _not_one_to_one(TABLE_VI)
_NFKC_CLUSTER = _nfkc_cluster_pattern()
_LUT, _MULTI = _lut(TABLE)
_LUT_VI, _MULTI_VI = _lut(TABLE_VI)


