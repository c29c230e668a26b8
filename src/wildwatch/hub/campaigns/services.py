"""Campaigns for the engine: the live calendar the API serves (kept a few seconds per process) and the campaigns
a release ships; saving a campaign (audited); each member's reach."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from wildwatch.detect import library as engine
from wildwatch.detect.engine import campaign_order
from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.usage import services as usage

from .models import Campaign

#: how long a process serves its copy of the calendar before reading it again
LIVE_SECONDS = 30.0

_lock = threading.Lock()
_live: dict[str, Any] = {"at": float("-inf"), "day": None, "campaigns": []}


def to_engine(c: Campaign) -> engine.Campaign:
    return engine.Campaign(
        slug=c.slug, start=c.start, end=c.end, taxa=frozenset(c.taxa), groups=frozenset(c.groups),
        messages={lang: {"title": m["title"], "body": m["body"]} for lang, m in sorted(c.messages.items())},
        learn_more_url=c.learn_more_url or None,
    )


def live_campaigns(today: date | None = None) -> list[engine.Campaign]:
    """The campaigns running today or tomorrow, in the engine's order of preference (the engine checks the day):
    read from the database at most every ``LIVE_SECONDS`` per process."""
    day = today or timezone.now().date()
    now = time.monotonic()
    with _lock:
        if now - _live["at"] < LIVE_SECONDS and _live["day"] == day:
            return list(_live["campaigns"])
    rows = Campaign.objects.filter(start__lte=day + timedelta(days=1), end__gte=day)
    campaigns = campaign_order(to_engine(c) for c in rows)
    with _lock:
        _live.update(at=now, day=day, campaigns=campaigns)
    return list(campaigns)


def forget() -> None:
    """Read the calendar again on the next search (after a change; for tests)."""
    with _lock:
        _live.update(at=float("-inf"), day=None, campaigns=[])


def for_release(today: date | None = None) -> list[engine.Campaign]:
    """What a release ships: the running and upcoming campaigns (not those over), by start."""
    day = today or timezone.now().date()
    return [to_engine(c) for c in Campaign.objects.filter(end__gte=day).order_by("start", "slug")]


@transaction.atomic
def save(campaign: Campaign, *, actor: Any, created: bool) -> Campaign:
    if created and getattr(actor, "is_authenticated", False):
        campaign.created_by = actor
    campaign.save()
    audit("campaign.create" if created else "campaign.edit", actor=actor, target=campaign.slug,
          start=campaign.start.isoformat(), end=campaign.end.isoformat(), taxa=campaign.taxa,
          groups=campaign.groups, languages=sorted(campaign.messages))
    transaction.on_commit(forget)
    return campaign


def reach(campaign: Campaign, organisations: list[Organisation] | None = None) -> list[dict[str, Any]]:
    """Pop-ups shown per member organisation during the campaign (``organisations``: only those), most first."""
    usage.flush()  # this process's latest searches too
    counts = usage.campaign_reach(campaign.slug, campaign.start, campaign.end)
    orgs = Organisation.objects.filter(kind="member")
    if organisations is not None:
        orgs = orgs.filter(pk__in=[o.pk for o in organisations])
    rows = [{"organisation": o, "popups": counts.get(o.pk, 0)} for o in orgs.order_by("name")]
    return sorted(rows, key=lambda r: -int(r["popups"]))
