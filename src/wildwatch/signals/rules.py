"""How a shared-signal match changes a check's answer: the same rule on the hub and in embedded detectors.

Each match becomes a hit of kind ``shared_signal`` naming the signal (its id, so that the member can confirm or
dispute it), what matched (image, text or contact), the policy category, and how many member companies removed that
content: never which. The verdict is raised, never lowered:

* an **exact** match (the same image bytes, the same seller contact, or a perceptual image hash within
  ``CLOSE_BITS`` bits) on a **prohibited** signal blocks; on any other category it sends the item to review;
* a **near** match (a perceptual image hash within ``PDQ_RADIUS`` bits, or a near-duplicate text) sends the item
  to review, and blocks when the signal is prohibited and at least ``BLOCK_MEMBERS`` members removed it.

Allowed-category signals never change a verdict (there are none in practice: members share what they removed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .bank import SignalMatch

#: a perceptual hash this close is the same picture re-encoded or resized (PDQ's own tests: ≤ 10 bits)
CLOSE_BITS = 10
#: a near match blocks once this many members removed the content
BLOCK_MEMBERS = 2
_RANK = {"allow": 0, "review": 1, "block": 2}
_KIND = {"image_pdq": "image", "image_sha256": "image", "text_minhash": "text", "contact": "contact"}


def exact(match: SignalMatch) -> bool:
    return match.kind in ("image_sha256", "contact") or (
        match.kind == "image_pdq" and match.distance is not None and match.distance <= CLOSE_BITS)


def verdict_for(match: SignalMatch) -> str:
    if match.category == "allowed":
        return "allow"
    if match.category != "prohibited":
        return "review"
    return "block" if exact(match) or match.members >= BLOCK_MEMBERS else "review"


def hit(match: SignalMatch) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "shared_signal", "signal_id": match.signal_id, "signal_kind": _KIND.get(
        match.kind, match.kind), "exact": exact(match), "category": match.category, "members": match.members}
    if match.distance is not None:
        out["distance"] = match.distance
    if match.similarity is not None:
        out["similarity"] = round(match.similarity, 3)
    return out


def reason(match: SignalMatch) -> str:
    what = {"image": "an image", "text": "a listing text", "contact": "a seller contact"}[_KIND.get(match.kind,
                                                                                                    "image")]
    members = "1 member company" if match.members == 1 else f"{match.members} member companies"
    how = "exact match" if exact(match) else "near match"
    return f"shared signal: {what} removed by {members} ({how}, {match.category})"


def apply(decision: dict[str, Any], matches: Sequence[SignalMatch]) -> dict[str, Any]:
    """The decision (``Decision.to_dict()``) with the matches' hits and reasons, its verdict raised as the module
    says; the same dict when nothing matched. One hit per signal."""
    if not matches:
        return decision
    seen: set[int] = set()
    hits, reasons = list(decision.get("hits", [])), list(decision.get("reasons", []))
    verdict = decision.get("verdict", "allow")
    for match in matches:
        if match.signal_id in seen:
            continue
        seen.add(match.signal_id)
        hits.append(hit(match))
        reasons.append(reason(match))
        raised = verdict_for(match)
        if _RANK[raised] > _RANK.get(verdict, 0):
            verdict = raised
    score = max(float(decision.get("score") or 0.0), 0.9 if verdict == "block" else 0.6 if verdict == "review"
                else 0.0)
    return {**decision, "verdict": verdict, "score": score, "hits": hits, "reasons": reasons}
