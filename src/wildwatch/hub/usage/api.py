"""``/api/v1/usage``: an embedded engine's daily counts in (POST), the platform's own counts out (GET)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from wildwatch.hub.checks import idempotency
from wildwatch.hub.checks.auth import key_of
from wildwatch.hub.checks.errors import ApiError
from wildwatch.hub.checks.idempotency import IdempotencyKey
from wildwatch.hub.checks.schemas import StoredText

from . import queries, services
from .models import DailyCount

router = Router(tags=["usage"])


class UsageIn(Schema):
    """What ``LocalDetector.usage()`` returns: counts by UTC day (at most 400 days in one report)."""

    library_version: StoredText = Field(default="", max_length=64)
    days: dict[str, dict[str, Any]] = Field(max_length=400, description=(
        'by day: {"2026-11-03": {"listings": {"block": {"prohibited": 2}, "allow": {"none": 97}}, '
        '"searches": 40, "search_popups": 3, "term_hits": {"block": {"prohibited": {"t-ivory-en": 2}}}, '
        '"campaign_popups": {"world-elephant-day-2026": 1}}}; term_hits and campaign_popups are optional'))


class UsagePeriod(Schema):
    since: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
    until: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")


EARLIEST = date(2000, 1, 1)


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ApiError(422, "invalid_period", f"{name}: {text!r} is not a day",
                       [{"loc": ["query", name], "message": "not a day (YYYY-MM-DD)", "type": "invalid_period"}]
                       ) from exc
    if day < EARLIEST:
        raise ApiError(422, "invalid_period", f"{name}: no counts before {EARLIEST.isoformat()}",
                       [{"loc": ["query", name], "message": f"before {EARLIEST.isoformat()}",
                         "type": "invalid_period"}])
    return day


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
    until = _day(period.until, "until") or timezone.now().date()
    since = _day(period.since, "since") or until - timedelta(days=29)
    if since > until:
        raise ApiError(422, "invalid_period", "'since' is after 'until'", [{"loc": ["query", "since"], "message": "after until", "type": "invalid_period"}])
    if (until - since).days > 400:
        raise ApiError(422, "invalid_period", "at most 400 days at once", [{"loc": ["query", "since"], "message": "over 400 days before until", "type": "invalid_period"}])
    qs = queries.between(DailyCount.objects.filter(platform=key.platform), since, until)
    return {"platform": key.platform.slug, "since": since.isoformat(), "until": until.isoformat(),
            "days": queries.by_day(qs)}
