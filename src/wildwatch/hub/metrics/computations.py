"""The computed indicators, from the hub's own records (see docs/metrics.md for which records each one reads).

Every period is ``[start, end]`` in UTC days; ``scope`` restricts to member companies and platforms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from django.apps import apps
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum

from wildwatch.hub.accounts.models import AuditEntry, Organisation, Platform
from wildwatch.hub.library.models import Download, Release, Term
from wildwatch.hub.reports.models import Action, Case, Decision, Report
from wildwatch.hub.usage.models import DailyCount, Metric

from .indicators import ALL, Scope


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00 UTC, end + 1 day 00:00 UTC)``."""
    return (datetime.combine(start, time.min, tzinfo=UTC),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))


def platforms(scope: Scope) -> list[Platform] | None:
    """The member platforms in scope, or None for "every platform, and records without one" (no restriction)."""
    if scope.is_all:
        return None
    qs = Platform.objects.filter(organisation__kind="member")
    if scope.organisation_ids is not None:
        qs = qs.filter(organisation_id__in=scope.organisation_ids)
    if scope.platform_ids is not None:
        qs = qs.filter(pk__in=scope.platform_ids)
    if scope.platform_type:
        qs = qs.filter(type=scope.platform_type)
    found = list(qs)
    if scope.region:
        found = [p for p in found if scope.region.upper() in [c.upper() for c in p.countries or []]]
    return found


def organisation_ids(scope: Scope) -> set[int] | None:
    """The member companies in scope (those of the platforms in scope when platforms are restricted)."""
    if scope.is_all:
        return None
    if scope.platform_ids is None and not scope.platform_type and not scope.region:
        return set(Organisation.objects.filter(kind="member", pk__in=scope.organisation_ids or ()).values_list(
            "pk", flat=True))
    return {p.organisation_id for p in platforms(scope) or []}


class _Context:
    def __init__(self, start: date, end: date, scope: Scope) -> None:
        self.start, self.end, self.scope = start, end, scope
        self.since, self.until = bounds(start, end)
        self.platforms = platforms(scope)
        self.platform_ids = None if self.platforms is None else {p.pk for p in self.platforms}
        self._api: dict[str, int] | None = None

    def on_platforms(self, qs: QuerySet[Any], field: str) -> QuerySet[Any]:
        return qs if self.platform_ids is None else qs.filter(**{f"{field}__in": self.platform_ids})

    def api_decisions(self) -> dict[str, int]:
        """The API decisions (``decision.record`` audit entries) of the period, by ``verdict_taken``."""
        if self._api is None:
            qs = AuditEntry.objects.filter(action="decision.record", created_at__gte=self.since,
                                           created_at__lt=self.until)
            if self.platforms is not None:
                qs = qs.filter(details__platform__in=[p.slug for p in self.platforms])
            counts: dict[str, int] = {}
            for details in qs.values_list("details", flat=True):
                verdict = str((details or {}).get("verdict_taken", ""))
                counts[verdict] = counts.get(verdict, 0) + 1
            self._api = counts
        return self._api


def _removed(action: str) -> Callable[[_Context], float]:
    def count(ctx: _Context) -> float:
        reviewed = ctx.on_platforms(Decision.objects.filter(
            action=action, reopened_at__isnull=True, created_at__gte=ctx.since, created_at__lt=ctx.until),
            "case__platform_id").count()
        return float(reviewed + ctx.api_decisions().get(action, 0))
    return count


def _daily(metric: str, verdict: str = "") -> Callable[[_Context], float]:
    def total(ctx: _Context) -> float:
        qs = DailyCount.objects.filter(metric=metric, day__gte=ctx.start, day__lte=ctx.end)
        if verdict:
            qs = qs.filter(verdict=verdict)
        return float(ctx.on_platforms(qs, "platform_id").aggregate(n=Sum("count"))["n"] or 0)
    return total


def _reports(kind: str, confirmed: bool = False) -> Callable[[_Context], float]:
    def count(ctx: _Context) -> float:
        qs = ctx.on_platforms(Report.objects.filter(kind=kind, created_at__gte=ctx.since,
                                                    created_at__lt=ctx.until), "case__platform_id")
        if confirmed:
            current = Decision.objects.filter(case=OuterRef("case"), reopened_at__isnull=True).exclude(
                action=Action.NO_VIOLATION)
            qs = qs.filter(Exists(current))
        return float(qs.count())
    return count


def _decided_cases(ctx: _Context) -> QuerySet[Case]:
    return ctx.on_platforms(Case.objects.filter(decided_at__gte=ctx.since, decided_at__lt=ctx.until,
                                                referred_at__isnull=False), "platform_id")


def _median_hours(ctx: _Context) -> float | None:
    """The median of ``decided_at - referred_at``, picked by the database (the one or two middle rows), so that
    tens of thousands of cases are never loaded."""
    qs = _decided_cases(ctx)
    n = qs.count()
    if not n:
        return None
    waits = qs.annotate(wait=ExpressionWrapper(F("decided_at") - F("referred_at"), output_field=DurationField()))
    middle: list[timedelta] = list(waits.order_by("wait").values_list("wait", flat=True)[(n - 1) // 2:n // 2 + 1])
    return round(float(median(w.total_seconds() for w in middle)) / 3600, 2)


def _sla(ctx: _Context) -> float | None:
    counts = _decided_cases(ctx).filter(due_at__isnull=False).aggregate(
        due=Count("pk"), met=Count("pk", filter=Q(decided_at__lte=F("due_at"))))
    return round(counts["met"] / counts["due"], 4) if counts["due"] else None


def _library(ctx: _Context) -> float:
    """Member companies that took a release by the end of the period (``library_releases`` has which one)."""
    return float(len(library_releases(ctx.end, ctx.scope)))


def library_releases(end: date, scope: Scope = ALL) -> dict[int, int]:
    """Organisation id -> the number of the release it downloaded last up to ``end`` (the release in use)."""
    qs = Download.objects.filter(created_at__lt=bounds(end, end)[1], organisation__kind="member")
    orgs = organisation_ids(scope)
    if orgs is not None:
        qs = qs.filter(organisation_id__in=orgs)
    latest: dict[int, int] = {}
    for org_id, number in qs.order_by("created_at", "id").values_list("organisation_id", "release__number"):
        latest[org_id] = number
    return latest


def _keywords(ctx: _Context) -> float:
    """Coalition-wide: the terms of the last release published by the end of the period; without one, the
    active terms now."""
    release = Release.objects.filter(published_at__lt=ctx.until).order_by("-published_at", "-number").first()
    if release is not None:
        return float(len(release.term_snapshot or {}))
    return float(Term.objects.filter(status=Term.Status.ACTIVE).count())


def _staff_trained(ctx: _Context) -> float | None:
    """From the plans app's training sessions, once that app has them; None before (attested only)."""
    try:
        model = apps.get_model("plans", "TrainingSession")
    except LookupError:
        return None
    qs = model.objects.filter(date__gte=ctx.start, date__lte=ctx.end)
    orgs = organisation_ids(ctx.scope)
    if orgs is not None:
        qs = qs.filter(organisation_id__in=orgs)
    return float(qs.aggregate(n=Sum("staff_trained"))["n"] or 0)


def _policy(ctx: _Context) -> float:
    """Platforms in scope with an adoption of the model policy confirmed by the end of the period."""
    from .models import PolicyAdoption

    qs = PolicyAdoption.objects.filter(confirmed_at__isnull=False, confirmed_at__lt=ctx.until)
    qs = ctx.on_platforms(qs, "platform_id")
    return float(qs.values("platform_id").distinct().count())


COMPUTATIONS: dict[str, Callable[[_Context], float | None]] = {
    "listings_removed": _removed(Action.REMOVED_LISTING),
    "posts_removed": _removed(Action.REMOVED_POST),
    "accounts_removed": _removed(Action.REMOVED_ACCOUNT),
    "groups_removed": _removed(Action.REMOVED_GROUP),
    "blocked_at_posting": _daily(Metric.LISTINGS, "block"),
    "volunteer_reports": _reports("volunteer"),
    "volunteer_reports_confirmed": _reports("volunteer", confirmed=True),
    "public_reports": _reports("public"),
    "public_reports_confirmed": _reports("public", confirmed=True),
    "forwarded_reports": _reports("forwarded"),
    "search_popups": _daily(Metric.POPUPS),
    "library_integrated": _library,
    "median_hours_to_action": _median_hours,
    "sla_compliance": _sla,
    "keywords_shared": _keywords,
    "staff_trained": _staff_trained,
    "policy_in_place": _policy,
}


def compute_key(key: str, start: date, end: date, scope: Scope) -> float | None:
    return compute_keys([key], start, end, scope).get(key)


def compute_keys(keys: Iterable[str], start: date, end: date, scope: Scope) -> dict[str, float | None]:
    """The computed values of ``keys`` (those that can be computed), from one context (one lookup of the
    platforms in scope, the API decisions read once)."""
    found = [k for k in keys if k in COMPUTATIONS]
    if scope.is_empty:
        return {k: None if k in ("median_hours_to_action", "sla_compliance") else 0.0 for k in found}
    if not found:
        return {}
    ctx = _Context(start, end, scope)
    return {key: COMPUTATIONS[key](ctx) for key in found}


def compute_all(start: date, end: date, scope: Scope) -> dict[str, float | None]:
    return compute_keys(COMPUTATIONS, start, end, scope)
