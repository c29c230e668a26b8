"""``/api/v1/usage``: an embedded engine's daily counts in (POST), the platform's own counts out (GET)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema

from wildwatch.hub.checks import idempotency
from wildwatch.hub.checks.auth import key_of
from wildwatch.hub.checks.errors import ApiError

from . import queries, services
from .models import DailyCount

router = Router(tags=["usage"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


class UsageIn(Schema):
    """What ``LocalDetector.usage()`` returns: counts by UTC day (at most 400 days in one report)."""

    library_version: str = Field(default="", max_length=64)
    days: dict[str, dict[str, Any]] = Field(max_length=400, description=(
        'by day: {"2026-11-03": {"listings": {"block": {"prohibited": 2}, "allow": {"none": 97}}, '
        '"searches": 40, "search_popups": 3}}'))


class UsagePeriod(Schema):
    since: date | None = None
    until: date | None = None


@router.post("", summary="Send an embedded engine's daily counts (LocalDetector does it in the background)")
def report_usage(request: HttpRequest, body: UsageIn, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    key = key_of(request)

    def produce() -> dict[str, Any]:
        try:
            return services.record_report(key.platform, body.days, body.library_version, api_key=key)
        except services.UsageError as exc:
            raise ApiError(422, "invalid_usage", str(exc), [{"loc": ["body", "days"], "message": str(exc), "type": "invalid_usage"}]) from exc

    return idempotency.once(key, idempotency_key, "usage", request.body, produce)


@router.get("", summary="This platform's counts by day (the API's checks and its embedded engines')")
def platform_usage(request: HttpRequest, period: Query[UsagePeriod]) -> dict[str, Any]:
    key = key_of(request)
    services.flush()
    until = period.until or timezone.now().date()
    since = period.since or until - timedelta(days=29)
    if since > until:
        raise ApiError(422, "invalid_period", "'since' is after 'until'", [{"loc": ["query", "since"], "message": "after until", "type": "invalid_period"}])
    if (until - since).days > 400:
        raise ApiError(422, "invalid_period", "at most 400 days at once", [{"loc": ["query", "since"], "message": "over 400 days before until", "type": "invalid_period"}])
    qs = queries.between(DailyCount.objects.filter(platform=key.platform), since, until)
    return {"platform": key.platform.slug, "since": since.isoformat(), "until": until.isoformat(),
            "days": queries.by_day(qs)}
