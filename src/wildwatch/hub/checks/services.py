"""The API's writes: review decisions fed back to the library's term counters (atomic, audited, idempotent),
and release downloads (through the library's services)."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from wildwatch.hub.accounts.models import ApiKey
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.library.models import Release, Term

from .errors import ApiError


def _unknown_terms(ids: set[str]) -> list[str]:
    known = set(Term.objects.filter(term_id__in=ids).values_list("term_id", flat=True))
    return sorted(ids - known)


def _record(key: ApiKey, item_id: str, verdict_taken: str, policy: str, confirmed: list[str],
            rejected: list[str]) -> dict[str, Any]:
    confirmed_ids, rejected_ids = set(confirmed), set(rejected)
    unknown = _unknown_terms(confirmed_ids | rejected_ids)
    if unknown:
        raise ApiError(422, "unknown_terms", f"unknown term ids: {', '.join(unknown[:20])}", {"term_ids": unknown})
    both = sorted(confirmed_ids & rejected_ids)
    if both:
        raise ApiError(422, "conflicting_terms", f"terms both confirmed and rejected: {', '.join(both[:20])}",
                       {"term_ids": both})
    if confirmed_ids:
        Term.objects.filter(term_id__in=confirmed_ids).update(confirmed=F("confirmed") + 1)
    if rejected_ids:
        Term.objects.filter(term_id__in=rejected_ids).update(rejected=F("rejected") + 1)
    audit("decision.record", organisation=key.platform.organisation, api_key=key, target=item_id,
          platform=key.platform.slug, verdict_taken=verdict_taken, policy=policy,
          terms_confirmed=sorted(confirmed_ids), terms_rejected=sorted(rejected_ids))
    return {"id": item_id, "recorded": True}


def record_decision(key: ApiKey, item_id: str, verdict_taken: str, policy: str, *, confirmed: list[str],
                    rejected: list[str], content: Any = None) -> dict[str, Any]:
    """Record a platform's decision on a checked item (call it inside ``idempotency.once``: it is atomic there).
    A removal with its ``content`` (``schemas.RemovedContent``) shares the content's signals when the member company
    shares signals; the answer says how many, or why none."""
    answer = _record(key, item_id, verdict_taken, policy, confirmed, rejected)
    if content is None:
        return answer
    if verdict_taken == "no_violation":
        return {**answer, "signals": 0, "signals_skipped": ["no_violation: nothing is shared"]}
    from wildwatch.hub.signals import content as signal_content
    from wildwatch.hub.signals import services as signals

    org = key.platform.organisation
    if not signals.sharing_enabled(org):
        return {**answer, "signals": 0, "signals_skipped": ["signal sharing is not enabled for this member company"]}
    found = signal_content.build(key.platform, images=content.images, image_urls=content.image_urls,
                                 text=content.text, contacts=content.contacts)
    made = signals.contribute(org, found.content, category=policy, platform=key.platform, source="decision",
                              item_id=item_id, api_key=key) if found.content else []
    return {**answer, "signals": len(made), "signals_skipped": found.problems}


def find_release(number: int | None) -> Release:
    """A release by number, or the latest; 404 when there is none."""
    releases = Release.objects.order_by("-number")
    release = releases.first() if number is None else releases.filter(number=number).first()
    if release is None:
        raise ApiError(404, "no_release", "no release has been published yet" if number is None
                       else f"there is no release {number}")
    return release
