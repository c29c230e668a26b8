"""The model beside the rules: it alone never blocks, reasons say who decided, batches equal single checks."""

from __future__ import annotations

import pytest

from wildwatch.detect.engine import Detector
from wildwatch.model import Model
from wildwatch.model.combine import Thresholds, combine

CODE_WORD = "selling white gold bangle real, dm me"  # a code word the starter library does not know


@pytest.fixture(scope="module")
def rules() -> Detector:
    return Detector()


def test_outputs_unchanged_without_model(rules: Detector) -> None:
    d = rules.check("Carved rhino horn for sale").to_dict()
    assert "model" not in d
    assert rules.check("vintage chair").to_dict() == {"verdict": "allow", "score": 0.0, "hits": [], "reasons": [],
                                                       "library_version": rules.library_version}


def test_model_sends_to_review_never_blocks(rules: Detector, model: Model) -> None:
    assert rules.check(CODE_WORD).verdict == "allow"
    for may_block in (False, True):
        detector = Detector(model=model, model_may_block=may_block)
        d = detector.check(CODE_WORD)
        assert d.model_score is not None and d.model_score >= model.thresholds.review
        assert d.verdict == "review"
        assert d.decided_by == "model"
        assert d.reasons[-1].startswith(f"model: {d.model_score:.2f} likely wildlife trade (test-v1)")
        assert "the rules found nothing" in d.reasons[-1]
        out = d.to_dict()
        assert out["model"] == {"score": d.model_score, "name": "test-v1", "decided_by": "model"}


def test_reasons_name_who_decided(model: Model) -> None:
    detector = Detector(model=model)
    blocked = detector.check("Carved rhino horn for sale, WhatsApp me")
    assert blocked.verdict == "block"  # the rules' block stands, whatever the model says
    assert blocked.decided_by in ("rules", "both")
    assert blocked.reasons[-1].startswith("model: ")
    assert any(not r.startswith("model: ") for r in blocked.reasons)
    plain = detector.check("vintage wooden chair, great condition")
    assert plain.verdict == "allow" and plain.decided_by == "both"
    assert "the rules and the model allow it" in plain.reasons[-1]


def test_combination_rule() -> None:
    t = Thresholds(review=0.6, block=0.9, clear=0.1)
    assert combine("allow", 0.95, t, "m", may_block=True).verdict == "review"  # the model alone never blocks
    assert combine("allow", 0.5, t, "m").verdict == "allow"
    assert combine("review", 0.95, t, "m").verdict == "review"  # model_may_block is off by default
    both = combine("review", 0.95, t, "m", may_block=True)
    assert (both.verdict, both.decided_by) == ("block", "both") and "model_may_block" in both.reason
    assert combine("review", 0.05, t, "m").verdict == "review"  # model_may_clear is off by default
    cleared = combine("review", 0.05, t, "m", may_clear=True)
    assert (cleared.verdict, cleared.decided_by) == ("allow", "model") and "model_may_clear" in cleared.reason
    assert combine("block", 0.0, t, "m", may_clear=True).verdict == "block"  # a rules block is never cleared
    ruled = combine("review", 0.3, t, "m")
    assert (ruled.verdict, ruled.decided_by) == ("review", "rules") and "decided by the rules" in ruled.reason
    assert combine("review", 0.7, t, "m").decided_by == "both"


def test_check_many_equals_check(model: Model, synthetic: tuple[list[str], list[bool]]) -> None:
    detector = Detector(model=model, model_may_block=True)
    listings = [*synthetic[0][:40], "Carved 1v0ry bangle, DM for price", {"title": "Rhino horn cup",
                "description": "WhatsApp for price"}, "x" * 3000, ""]
    batch = detector.check_many(listings)
    assert [d.to_dict() for d in batch] == [detector.check(item).to_dict() for item in listings]
    assert all(d.model_name == "test-v1" for d in batch)


def test_evaluation_counts_what_the_engine_decides() -> None:
    """The evaluation's vectorised positives agree with the engine's combination rule."""
    import numpy as np

    from wildwatch.model.train import combined_positive, rules_flags

    t = Thresholds(review=0.6, block=0.9, clear=0.1)
    rng = np.random.default_rng(3)
    verdicts = list(rng.choice(["allow", "review", "block"], size=300))
    p = rng.random(300)
    pos, block = rules_flags(verdicts, 300)
    for may_clear in (False, True):
        fast = combined_positive(pos, block, p, t, may_clear=may_clear)
        slow = [combine(v, float(x), t, "m", may_clear=may_clear).verdict != "allow" for v, x in zip(verdicts, p,
                                                                                                    strict=True)]
        assert fast.tolist() == slow
