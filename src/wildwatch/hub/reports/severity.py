"""A case's severity, 0–100, computed from its facts, with a reason for every point given (shown to analysts,
reviewers and officers; triage and law-enforcement views sort by it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: weights: the appendix / policy category, a live animal, the quantity, a seller seen before or elsewhere
APPENDIX_I = 40
APPENDIX_II = 20
PROHIBITED = 40
RESTRICTED = 20
COVER = 10
LIVE = 20
QUANTITY_MAX = 20
REPEAT_SELLER = 20

_UNITS_KG = {"kg": 1.0, "kilo": 1.0, "kilos": 1.0, "kilogram": 1.0, "kilograms": 1.0, "g": 0.001, "gram": 0.001,
             "grams": 0.001, "t": 1000.0, "ton": 1000.0, "tons": 1000.0, "tonne": 1000.0, "tonnes": 1000.0,
             "lb": 0.4536, "lbs": 0.4536}
_PIECES = {"pcs", "pc", "pieces", "piece", "units", "unit", "heads", "head", "animals", "birds", "pairs", "horns",
           "tusks", "skins", "shells", "cái", "con", "chiếc", "只", "个", "件", "根", "kg"}
_QUANTITY = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\W\d]+|只|个|件|根)", re.UNICODE)


@dataclass(frozen=True)
class Facts:
    appendix: str = ""
    category: str = ""
    live_animal: bool = False
    quantity_text: str = ""
    other_cases_of_seller: int = 0
    other_platforms_of_seller: int = 0


def quantity_kg_or_pieces(text: str) -> tuple[float, str] | None:
    """The largest quantity stated in ``text``: (amount, "kg" or "pieces"), or None."""
    best: tuple[float, str] | None = None
    for number, unit in _QUANTITY.findall(text.lower()):
        amount = float(number.replace(",", "."))
        if unit in _UNITS_KG:
            found = (amount * _UNITS_KG[unit], "kg")
        elif unit in _PIECES:
            found = (amount, "pieces")
        else:
            continue
        if best is None or found[0] > best[0]:
            best = found
    return best


def _quantity_points(text: str) -> tuple[int, str] | None:
    found = quantity_kg_or_pieces(text)
    if found is None:
        return None
    amount, unit = found
    if unit == "kg":
        points = QUANTITY_MAX if amount >= 10 else 10 if amount >= 1 else 0
    else:
        points = QUANTITY_MAX if amount >= 20 else 10 if amount >= 5 else 0
    if not points:
        return None
    return points, f"quantity stated: {amount:g} {unit}"


def score(facts: Facts) -> tuple[int, list[str]]:
    """(severity 0–100, the reasons, one per contribution)."""
    points = 0
    reasons: list[str] = []
    if facts.appendix.startswith("I") and not facts.appendix.startswith("II"):
        points += APPENDIX_I
        reasons.append(f"CITES Appendix I (+{APPENDIX_I})")
    elif facts.appendix in ("II", "III"):
        points += APPENDIX_II
        reasons.append(f"CITES Appendix {facts.appendix} (+{APPENDIX_II})")
    elif facts.category == "prohibited":
        points += PROHIBITED
        reasons.append(f"prohibited product (+{PROHIBITED})")
    elif facts.category == "restricted":
        points += RESTRICTED
        reasons.append(f"restricted product (+{RESTRICTED})")
    elif facts.category == "cover":
        points += COVER
        reasons.append(f"cover product (+{COVER})")
    if facts.live_animal:
        points += LIVE
        reasons.append(f"live animal (+{LIVE})")
    quantity = _quantity_points(facts.quantity_text)
    if quantity:
        points += quantity[0]
        reasons.append(f"{quantity[1]} (+{quantity[0]})")
    if facts.other_cases_of_seller or facts.other_platforms_of_seller > 0:
        points += REPEAT_SELLER
        where = []
        if facts.other_cases_of_seller:
            where.append(f"in {facts.other_cases_of_seller} other case(s)")
        if facts.other_platforms_of_seller:
            where.append(f"on {facts.other_platforms_of_seller} other platform(s)")
        reasons.append(f"seller seen {' and '.join(where)} (+{REPEAT_SELLER})")
    return min(points, 100), reasons
