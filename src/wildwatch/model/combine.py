"""How the model's probability combines with the rules' verdict (documented in docs/architecture.md, "Model").

The rules decide first. The model can only send to ``review`` a listing that the rules allow; it never blocks on its
own. Two settings of a release widen its say, both off by default:

* ``model_may_block``: a rules ``review`` whose model probability reaches the model's block threshold becomes
  ``block`` (rules and model together; the model alone still never blocks);
* ``model_may_clear``: a rules ``review`` whose model probability is below the model's clear threshold becomes
  ``allow``. A rules ``block`` is never cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DecidedBy = Literal["rules", "model", "both"]


@dataclass(frozen=True, slots=True)
class Thresholds:
    review: float
    block: float = 1.01  # above any probability: never, unless chosen by cross-validation
    clear: float = 0.0  # below any probability: never


@dataclass(frozen=True, slots=True)
class Combined:
    verdict: str
    decided_by: DecidedBy
    reason: str


def combine(rules_verdict: str, p: float, thresholds: Thresholds, name: str, *, may_block: bool = False,
            may_clear: bool = False, shown: float | None = None) -> Combined:
    """The final verdict, who decided it, and the reason that says so (with ``shown``, the score as displayed,
    when it is rounded)."""
    head = (f"model: {p if shown is None else shown:.2f} " + ("likely" if p >= thresholds.review else "unlikely")
            + f" wildlife trade ({name})")
    if rules_verdict == "allow":
        if p >= thresholds.review:
            return Combined("review", "model",
                            f"{head}: the rules found nothing; the model sends it to review "
                            f"(review threshold {thresholds.review:.2f})")
        return Combined("allow", "both", f"{head}: the rules and the model allow it")
    if rules_verdict == "review" and may_block and p >= thresholds.block:
        return Combined("block", "both",
                        f"{head}: the rules say review and the model's score reaches its block threshold "
                        f"{thresholds.block:.2f} (model_may_block)")
    if rules_verdict == "review" and may_clear and p < thresholds.clear:
        return Combined("allow", "model",
                        f"{head}: the model clears the rules' review (score below {thresholds.clear:.2f}, "
                        "model_may_clear)")
    if p >= thresholds.review:
        return Combined(rules_verdict, "both", f"{head}: the rules and the model agree")
    return Combined(rules_verdict, "rules", f"{head}: decided by the rules")

