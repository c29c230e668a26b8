"""Which countries a free-text place mentions (``"Lyon, France"``, ``"Royaume-Uni"``, ``"Hanoi VN"``).

Country names come from ``phonenumbers`` (a dependency already: the contact detector uses it), in the languages it
knows, plus a few common names it lacks (``UK``, ``USA``...). Upper-case ISO codes count when they stand alone
(``FR``, not ``fr`` or ``FRANCE``). The longest name wins where names overlap, so that ``Northern Ireland`` is the
United Kingdom, not Ireland, and ``Papua New Guinea`` is not Guinea.
"""

from __future__ import annotations

import re
from functools import lru_cache

from phonenumbers.geodata.locale import LOCALE_DATA

#: common names that the phonenumbers catalogue lacks
ALIASES: dict[str, tuple[str, ...]] = {
    "GB": ("UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland"),
    "US": ("USA", "U.S.A.", "U.S.", "United States of America", "New Mexico", "New Jersey"),
    "AU": ("New South Wales",),
    "AE": ("UAE", "Emirates"),
    "CD": ("DRC", "DR Congo"),
    "VN": ("Viet Nam",),
    "CI": ("Ivory Coast",),
    "KR": ("South Korea",),
    "LA": ("Laos",),
    "CZ": ("Czechia",),
    "HK": ("Hong Kong",),
}


#: scripts written without spaces between words: their names match inside longer text
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff]+")


def _wanted(name: str) -> bool:
    return bool(name) and not name.startswith("*") and (len(name) >= 4 or (len(name) >= 2 and bool(
        _UNSPACED.fullmatch(name))))


@lru_cache(maxsize=1)
def _names() -> tuple[re.Pattern[str], dict[str, str]]:
    by_name: dict[str, str] = {}
    for code, names in LOCALE_DATA.items():
        if len(code) != 2:
            continue
        for name in names.values():
            if _wanted(name):
                by_name.setdefault(name.casefold(), code)
    for code, aliases in ALIASES.items():
        for alias in aliases:
            by_name[alias.casefold()] = code
    alternatives = "|".join(re.escape(n) if _UNSPACED.fullmatch(n) else rf"(?<!\w){re.escape(n)}(?!\w)"
                            for n in sorted(by_name, key=len, reverse=True))
    return re.compile(alternatives, re.IGNORECASE), by_name


_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})(?![A-Za-z0-9])")


def countries_mentioned(text: str) -> set[str]:
    """The ISO 3166 alpha-2 codes of the countries that ``text`` names or gives the code of."""
    if not text.strip():
        return set()
    pattern, by_name = _names()
    found = {by_name[m.group(0).casefold()] for m in pattern.finditer(text) if m.group(0).casefold() in by_name}
    rest = pattern.sub(" ", text)
    found |= {code for code in _CODE.findall(rest) if code in LOCALE_DATA}
    return found
