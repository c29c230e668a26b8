"""Law-enforcement holds and deconfliction (being built: the hold registry comes next)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class HoldNotice:
    """All a member may learn of a hold: do not act before ``until``, contact the coalition."""

    until: date


def hold_for_case(case: Any, *, asked_by: Any = None) -> HoldNotice | None:
    """The notice of a hold on the case's listing URL or seller identifiers, or None (no holds exist yet)."""
    return None
