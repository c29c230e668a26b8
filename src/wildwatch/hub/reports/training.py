"""The hub's review outcomes as training data for the classifier (``wildwatch model train --from-hub``): the listing
text of every decided case whose current decision is a removal (a positive) or "no violation" (a negative).
Reopened decisions do not count; cases without a listing text are left out. Texts leave the database only into
the training process; the model artefact keeps counts, never texts."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from .models import Action, Case, Decision


def review_outcomes(limit: int | None = None) -> tuple[list[str], list[bool]]:
    """(texts, labels) of the decided cases, latest first (at most ``limit``)."""
    current = Decision.objects.filter(case=OuterRef("pk"), reopened_at__isnull=True).order_by("-created_at")
    cases = (Case.objects.exclude(listing_text="").annotate(action=Subquery(current.values("action")[:1]))
             .filter(action__isnull=False).order_by("-decided_at", "-pk").values_list("listing_text", "action"))
    rows = list(cases[:limit] if limit else cases)
    return [text for text, _ in rows], [action != Action.NO_VIOLATION for _, action in rows]
