"""The closed lists used everywhere: policy categories, verdicts, product types, term kinds.

Keep these lists here and nowhere else; the API, review decisions and metrics import them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

Category = Literal["prohibited", "restricted", "cover", "allowed"]
Verdict = Literal["block", "review", "allow"]

#: Policy categories, strictest first.
CATEGORIES: Final[tuple[Category, ...]] = ("prohibited", "restricted", "cover", "allowed")

CATEGORY_DESCRIPTIONS: Final[dict[str, str]] = {
    "prohibited": (
        "CITES Appendix I taxa and their parts and derivatives, plus the products the coalition bans outright: "
        "ivory, rhino horn, pangolin scales, tiger and other big-cat parts, marine-turtle shell, bear bile, "
        "live primates. A sale is blocked."
    ),
    "restricted": (
        "CITES Appendix II and III taxa: a sale needs proof of legal origin, so it goes to review."
    ),
    "cover": (
        "Unlisted goods commonly used as cover for prohibited ones, such as mammoth ivory and 'bovine bone' "
        "carvings: they go to review."
    ),
    "allowed": "Everything else.",
}

VERDICTS: Final[tuple[Verdict, ...]] = ("block", "review", "allow")

#: Product types.
PRODUCTS: Final[tuple[str, ...]] = (
    "live_animal",
    "ivory",
    "horn",
    "scales",
    "shell",
    "skin_fur",
    "bone_teeth_claws",
    "meat_eggs",
    "medicine_tonic",
    "trophy_taxidermy",
)

TERM_KINDS: Final[tuple[str, ...]] = ("name", "product", "part", "intent", "benign", "cover", "emoji")
#: Benign contexts: a colour name; a brand or idiom; a toy, replica or imitation; a material or medium depicting an
#: animal (wooden, jade, porcelain, a painting: it lowers only ambiguous names); a fossil (not a modern animal
#: product); awareness, news and research.
BENIGN_CONTEXTS: Final[tuple[str, ...]] = ("colour", "brand", "replica", "material", "fossil", "awareness")
APPENDICES: Final[tuple[str, ...]] = ("I", "II", "III")


def category_for_appendix(appendix: str | None) -> Category:
    """The coalition model's default category for a CITES listing."""
    if appendix == "I":
        return "prohibited"
    if appendix in ("II", "III", "I/II"):
        return "restricted"
    return "allowed"


def strictest(categories: Iterable[str | None]) -> str:
    """The strictest policy category among ``categories`` (a decision's hits), or ``none`` without one: the
    category a checked listing is counted under in the usage counts."""
    present = {c for c in categories if c}
    return next((c for c in CATEGORIES if c in present), "none")
