"""Reading the usage counts, with their visibility: a member company sees its own platforms' counts; coalition
analysts and admins see every member's; nobody else sees any."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import QuerySet, Sum

from wildwatch.hub.accounts.models import Platform
from wildwatch.hub.accounts.roles import COALITION, MEMBERS
from wildwatch.hub.accounts.services import organisations_of, roles_of
from wildwatch.hub.library.models import Term

from .models import DailyCount, Metric


def visible_counts(user: Any) -> QuerySet[DailyCount]:
    roles = roles_of(user)
    if roles & COALITION:
        return DailyCount.objects.all()
    if roles & MEMBERS:
        return DailyCount.objects.filter(organisation__in=organisations_of(user))
    return DailyCount.objects.none()


def visible_platforms(user: Any) -> QuerySet[Platform]:
    roles = roles_of(user)
    platforms = Platform.objects.select_related("organisation").filter(organisation__kind="member")
    if roles & COALITION:
        return platforms
    if roles & MEMBERS:
        return platforms.filter(organisation__in=organisations_of(user))
    return platforms.none()


def between(qs: QuerySet[DailyCount], since: date | None, until: date | None) -> QuerySet[DailyCount]:
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    return qs


def by_platform(qs: QuerySet[DailyCount]) -> list[dict[str, Any]]:
    """One row per platform: listings by verdict, searches, pop-ups, split by where the check ran."""
    rows: dict[int, dict[str, Any]] = {}
    sums = qs.values("platform_id", "platform__name", "organisation__name", "source", "metric", "verdict").annotate(
        n=Sum("count"))
    for s in sums:
        row = rows.setdefault(s["platform_id"], {
            "platform": s["platform__name"], "organisation": s["organisation__name"], "block": 0, "review": 0,
            "allow": 0, "listings": 0, "api": 0, "local": 0, "searches": 0, "search_popups": 0})
        if s["metric"] == Metric.LISTINGS:
            row[s["verdict"]] += s["n"]
            row["listings"] += s["n"]
            row[s["source"]] += s["n"]
        elif s["metric"] in (Metric.SEARCHES, Metric.POPUPS):
            row[s["metric"]] += s["n"]
    return sorted(rows.values(), key=lambda r: (r["organisation"], r["platform"]))


def by_day(qs: QuerySet[DailyCount]) -> list[dict[str, Any]]:
    """One row per day: listings by verdict and by category, searches and pop-ups (the API's ``GET /usage``)."""
    days: dict[date, dict[str, Any]] = defaultdict(lambda: {"listings": {}, "searches": 0, "search_popups": 0})
    for s in qs.values("day", "metric", "verdict", "category").annotate(n=Sum("count")).order_by("day"):
        row = days[s["day"]]
        if s["metric"] == Metric.LISTINGS:
            by_category = row["listings"].setdefault(s["verdict"], {})
            by_category[s["category"]] = by_category.get(s["category"], 0) + s["n"]
        elif s["metric"] in (Metric.SEARCHES, Metric.POPUPS):
            row[s["metric"]] += s["n"]
    return [{"day": d.isoformat(), **row} for d, row in sorted(days.items())]


def top_terms(qs: QuerySet[DailyCount], limit: int = 20) -> list[dict[str, Any]]:
    """The terms that flagged the most listings, with their text (members may read the library)."""
    sums = list(qs.filter(metric=Metric.TERM_HITS).exclude(verdict="allow").values("term_id").annotate(
        n=Sum("count")).order_by("-n", "term_id")[:limit])
    texts = dict(Term.objects.filter(term_id__in=[s["term_id"] for s in sums]).values_list("term_id", "term"))
    return [{"term_id": s["term_id"], "term": texts.get(s["term_id"], s["term_id"]), "listings": s["n"]}
            for s in sums]
