"""Periodic jobs of the review queues, run by the task queue (see ``library.tasks.SCHEDULES``)."""

from __future__ import annotations

from . import services


def expire_claims() -> int:
    """Releases the claims left idle longer than ``WILDWATCH_CLAIM_MINUTES`` (default 120); returns how many."""
    return services.expire_claims()
