"""Automated flags: API checks whose verdict is ``review`` become cases in the member's own queue when the member
turned on "send reviews to the queue" (``MemberSettings.send_reviews_to_queue``). Only items with a URL can be
cases (a case is one listing). The listing text and seller contacts are stored for these cases only."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from wildwatch.detect.categories import strictest
from wildwatch.detect.engine import Decision
from wildwatch.hub.accounts.models import Platform

from . import services
from .models import CaseStatus, MemberSettings, Report, ReportKind

log = logging.getLogger(__name__)
SETTING_SECONDS = 10.0  # how long a process trusts its copy of a member's setting
_lock = threading.Lock()
_enabled: dict[int, tuple[float, bool]] = {}


def sends_reviews(platform: Platform) -> bool:
    now = time.monotonic()
    with _lock:
        cached = _enabled.get(platform.organisation_id)
    if cached is not None and now - cached[0] < SETTING_SECONDS:
        return cached[1]
    value = bool(MemberSettings.objects.filter(organisation_id=platform.organisation_id,
                                               send_reviews_to_queue=True).exists())
    with _lock:
        _enabled[platform.organisation_id] = (now, value)
    return value


def forget_settings() -> None:
    with _lock:
        _enabled.clear()


def flag_reviews(platform: Platform, items: Iterable[tuple[str, str | None, str, Decision]]) -> int:
    """Make a case for each (item id, url, text, decision) whose verdict is ``review``; returns how many were
    made. An item checked again (same platform and id) adds nothing."""
    wanted = [(item_id, url, text, d) for item_id, url, text, d in items if d.verdict == "review" and url]
    if not wanted or not sends_reviews(platform):
        return 0
    made = 0
    for item_id, url, text, decision in wanted:
        assert url is not None
        if Report.objects.filter(platform=platform, kind=ReportKind.AUTOMATED, external_id=item_id).exists():
            continue
        try:
            report = services.file_report(
                ReportKind.AUTOMATED, url, listing_text=text, platform=platform, external_id=item_id,
                category=strictest(h.category for h in decision.hits).replace("none", ""),
                term_ids=[h.term_id for h in decision.hits if h.term_id and h.category],
                product=next((h.product for h in decision.hits if h.product), "") or "",
                notes="; ".join(decision.reasons)[:4000])
        except services.ReportError as exc:  # a URL that is not on the platform, or not a URL: no case
            log.info("no case for item %s of %s: %s", item_id, platform.slug, exc)
            continue
        if report.case.status == CaseStatus.TRIAGE:
            services.refer(report.case, None)
        made += 1
    return made
