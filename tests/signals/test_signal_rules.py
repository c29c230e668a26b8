"""How shared-signal matches change a check's answer: raised, never lowered, one hit per signal, no contributor."""

from __future__ import annotations

from typing import Any

import pytest

from wildwatch.signals import rules
from wildwatch.signals.bank import SignalMatch


def answer(verdict: str = "allow") -> dict[str, Any]:
    return {"verdict": verdict, "score": 0.1, "hits": [], "reasons": [], "library_version": "t"}


@pytest.mark.parametrize(("match", "verdict"), [
    (SignalMatch(1, "image_sha256", "prohibited", 1), "block"),
    (SignalMatch(1, "contact", "prohibited", 1), "block"),
    (SignalMatch(1, "image_pdq", "prohibited", 1, distance=rules.CLOSE_BITS), "block"),
    (SignalMatch(1, "image_pdq", "prohibited", 1, distance=rules.CLOSE_BITS + 1), "review"),
    (SignalMatch(1, "image_pdq", "prohibited", rules.BLOCK_MEMBERS, distance=30), "block"),
    (SignalMatch(1, "text_minhash", "prohibited", 1, similarity=0.8), "review"),
    (SignalMatch(1, "text_minhash", "prohibited", 2, similarity=0.6), "block"),
    (SignalMatch(1, "contact", "restricted", 5), "review"),
    (SignalMatch(1, "image_sha256", "cover", 1), "review"),
    (SignalMatch(1, "image_sha256", "allowed", 3), "allow"),
])
def test_the_rule(match: SignalMatch, verdict: str) -> None:
    out = rules.apply(answer(), [match])
    assert out["verdict"] == verdict
    [hit] = out["hits"]
    assert hit["kind"] == "shared_signal" and hit["signal_id"] == 1 and hit["members"] == match.members
    assert out["reasons"][-1].startswith("shared signal: ")


def test_never_lowered_one_hit_per_signal_and_nothing_when_nothing_matched() -> None:
    blocked = answer("block")
    out = rules.apply(blocked, [SignalMatch(4, "text_minhash", "restricted", 1, similarity=0.7),
                                SignalMatch(4, "text_minhash", "restricted", 1, similarity=0.7)])
    assert out["verdict"] == "block" and len(out["hits"]) == 1 and out["score"] == 0.9
    assert rules.apply(blocked, []) is blocked
    hit = rules.hit(SignalMatch(9, "image_pdq", "prohibited", 3, distance=12))
    assert hit == {"kind": "shared_signal", "signal_id": 9, "signal_kind": "image", "exact": False,
                   "category": "prohibited", "members": 3, "distance": 12}
    assert rules.reason(SignalMatch(9, "contact", "prohibited", 1)) == (
        "shared signal: a seller contact removed by 1 member company (exact match, prohibited)")
