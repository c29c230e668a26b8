"""Keyword discovery in the hub: candidate terms from the review outcomes (``wildwatch.discovery``), turned into
term proposals of the curation workflow in one step, or rejected for good. Only coalition analysts use it."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import OuterRef, Subquery

from wildwatch.detect.normalize import normalize_batch
from wildwatch.discovery import Candidate, suggest_terms
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.reports.models import Action, Case, Decision

from . import curation
from .models import Proposal, RejectedCandidate, Term

#: the latest decided cases read on each side (confirmed, no violation)
LIMIT = 5000
CACHE_KEY = "wildwatch:term-candidates"
CACHE_SECONDS = 600


def _texts(confirmed: bool) -> list[str]:
    latest = Decision.objects.filter(case=OuterRef("pk"), reopened_at__isnull=True).order_by("-created_at")
    cases = Case.objects.exclude(listing_text="").annotate(action=Subquery(latest.values("action")[:1]))
    cases = cases.exclude(action=Action.NO_VIOLATION) if confirmed else cases.filter(action=Action.NO_VIOLATION)
    return list(cases.filter(action__isnull=False).order_by("-decided_at", "-pk").values_list(
        "listing_text", flat=True)[:LIMIT])


def _excluded() -> list[str]:
    rejected = list(RejectedCandidate.objects.values_list("term", flat=True))
    pending = [str(p.get("term", "")) for p in Proposal.objects.filter(
        action=Proposal.Action.ADD, state=Proposal.State.PENDING).values_list("payload", flat=True)]
    return rejected + pending


def candidates(*, fresh: bool = False) -> dict[str, Any]:
    """The current candidates with their example listings (cached ``CACHE_SECONDS``; ``fresh`` recomputes)."""
    found = None if fresh else cache.get(CACHE_KEY)
    if found is not None:
        return dict(found)
    positives, negatives = _texts(True), _texts(False)
    terms = Term.objects.filter(status=Term.Status.ACTIVE)
    result: list[Candidate] = suggest_terms(
        positives, negatives, known=terms.values_list("term", flat=True),
        code_words=terms.filter(kind="cover").values_list("term", flat=True), rejected=_excluded())
    found = {"positives": len(positives), "negatives": len(negatives), "candidates": [
        {"term": c.term, "positives": c.positives, "negatives": c.negatives, "score": c.score,
         "p_value": c.p_value, "cooccurs": list(c.cooccurs),
         "examples": [positives[i][:200] for i in c.examples]} for c in result]}
    cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


def forget() -> None:
    cache.delete(CACHE_KEY)


def _normal(term: str) -> str:
    return normalize_batch([term])[0].strip()


@transaction.atomic
def reject(term: str, *, actor: Any, reason: str = "") -> RejectedCandidate:
    curation._require_analyst(actor)
    normal = _normal(term)
    if not normal:
        raise curation.CurationError("an empty term")
    item, _ = RejectedCandidate.objects.get_or_create(term=normal[:300], defaults={"rejected_by": actor,
                                                                                   "reason": reason[:1000]})
    audit("candidate.reject", actor=actor, target=normal[:200], reason=reason[:200])
    forget()
    return item


def propose(term: str, *, actor: Any, lang: str, kind: str, category: str = "", positives: int = 0,
            negatives: int = 0) -> Proposal:
    """A pending proposal to add the candidate as a term (the curation workflow: a second analyst decides)."""
    payload = {"term": term, "lang": lang, "kind": kind,
               "source": f"keyword discovery: in {positives} confirmed and {negatives} no-violation listings"}
    if category:
        payload["category"] = category
    proposal = curation.propose("add", actor=actor, payload=payload,
                                comment="suggested by keyword discovery from review outcomes")
    forget()
    return proposal
