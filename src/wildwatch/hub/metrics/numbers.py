"""Headline numbers in the reader's language: "24,1 millions" in French, "24.1 million" in English.

Plain integers are grouped by thousands ("3 050" with a narrow no-break space in French, "3,050" in English); from a
million on, numbers are given in millions or billions with at most one decimal ("11 milliards", "11 billion").
Only French and English are written; any other language falls back to English.
"""

from __future__ import annotations

NNBSP = "\u202f"  # narrow no-break space: the French thousands separator
NBSP = "\u00a0"  # no-break space: between a number and its unit (French "12,5 %")
DASH = "—"

_SEPARATORS = {"fr": (NNBSP, ","), "en": (",", ".")}
#: (threshold, French singular, French plural, English)
_SCALES = [(1_000_000_000, "milliard", "milliards", "billion"), (1_000_000, "million", "millions", "million")]


def _lang(lang: str | None) -> str:
    return "fr" if (lang or "").lower().startswith("fr") else "en"


def grouped(value: float, lang: str | None, decimals: int = 0) -> str:
    """``value`` with thousands grouped, rounded to ``decimals`` places (trailing zeros dropped)."""
    thousands, point = _SEPARATORS[_lang(lang)]
    text = f"{abs(value):,.{decimals}f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    whole = whole.replace(",", thousands)
    sign = "-" if value < 0 and (whole.strip("0" + thousands) or fraction) else ""
    return sign + whole + (point + fraction if fraction else "")


def headline(value: float | None, lang: str | None) -> str:
    """A headline figure: ``headline(24_100_000, "fr") == "24,1 millions"``; ``None`` (no data) is a dash."""
    if value is None:
        return DASH
    language = _lang(lang)
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        billions = round(magnitude / 1_000_000_000, 1) >= 1  # 999.96 million reads as 1 billion
        threshold, singular, plural, english = _SCALES[0] if billions else _SCALES[1]
        scaled = round(value / threshold, 1)
        number = grouped(scaled, language, 1)
        if language == "fr":
            return f"{number} {singular if abs(scaled) < 2 else plural}"
        return f"{number} {english}"
    if magnitude >= 1000 or float(value).is_integer():
        return grouped(round(value), language)
    return grouped(value, language, 1)


def with_unit(value: float | None, unit: str, lang: str | None) -> str:
    """A headline figure with its unit: percentages are "12.5%" in English and "12,5 %" in French."""
    text = headline(value, lang)
    if value is None or not unit:
        return text
    if unit == "%":
        return f"{text}{NBSP}%" if _lang(lang) == "fr" else f"{text}%"
    return f"{text}{NBSP}{unit}"


def figure(value: float | None, unit: str, lang: str | None) -> str:
    """An indicator's value by its unit (``indicators.Indicator.unit``): counts as headlines, shares (0 to 1) as
    percentages, hours with one decimal."""
    if value is None:
        return DASH
    if unit == "share":
        return with_unit(round(value * 100, 1), "%", lang)
    if unit == "hours":
        return f"{grouped(value, lang, 1)}{NBSP}h"
    return headline(value, lang)
