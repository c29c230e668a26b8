"""``POST /api/v1/deconflict``: before acting on a listing or a seller, a member asks whether a law-enforcement hold
covers it. The identifiers travel in the body only (never in a URL, so never in an access log).

A key may ask only about listings on its own platform's domains (else 403), at most ``deconflict_limit()`` times an
hour (else 429; a limit of its own, far below the API's general one, shared by every worker through the cache), and
every question is audited: nobody can probe the hub for investigation targets. The answer has one shape, hold or
no hold, and says only what the member may do and until when.

Mounted by ``checks.api``: ``api.add_router("/deconflict", router)``.
"""

from __future__ import annotations

import math
import os
import time
from typing import Annotated, Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import model_validator

from wildwatch.hub.accounts.models import ApiKey
from wildwatch.hub.accounts.services import audit
from wildwatch.hub.checks import idempotency
from wildwatch.hub.checks.auth import key_of
from wildwatch.hub.checks.errors import ApiError
from wildwatch.hub.checks.idempotency import IdempotencyKey
from wildwatch.hub.checks.schemas import StoredText as Text

from . import identifiers as ids
from . import services

router = Router(tags=["deconflict"])
DEFAULT_RATE = 120  # questions an hour per key
WINDOW_SECONDS = 3600




class SellerIn(Schema):
    id: Text | None = Field(default=None, min_length=1, max_length=200,
                            description="the seller's account on your platform")
    contacts: list[Annotated[Text, Field(max_length=300)]] = Field(
        default_factory=list, max_length=20, description="phone numbers, e-mail addresses, messaging handles or links")


class DeconflictIn(Schema):
    """The listing's ``url`` (on your platform), the ``seller``'s account and contacts, or both."""

    url: Text | None = Field(default=None, max_length=2048)
    seller: SellerIn | None = None

    @model_validator(mode="after")
    def _something_to_check(self) -> DeconflictIn:
        if not self.url and not (self.seller and (self.seller.id or self.seller.contacts)):
            raise ValueError("send the listing's url, the seller's id or the seller's contacts")
        return self


class NoticeOut(Schema):
    """Hold or no hold, the same keys: may the platform act, and until when must it wait or preserve the data."""

    hold: bool
    action: str | None = Field(description="do_not_act or remove_and_preserve; null without a hold")
    until: str | None = Field(description="ISO date: do not act, or preserve the data, before it")
    may_remove: bool
    must_preserve: bool
    message: str
    shared_signals: list[dict[str, Any]] = Field(
        default_factory=list, description="when your company shares signals: the seller contacts' matches in the "
        "coalition's bank (signal id, category, members that removed content with them; never which)")


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    """The API's one error shape."""

    error: ErrorBody


def deconflict_limit() -> int:
    """Questions an hour per key: ``settings.WILDWATCH_DECONFLICT_RATE``, else the variable of that name."""
    value = getattr(settings, "WILDWATCH_DECONFLICT_RATE", None)
    return int(value if value is not None else os.environ.get("WILDWATCH_DECONFLICT_RATE", DEFAULT_RATE))


def check_deconflict_rate(key: ApiKey, now: float | None = None) -> None:
    """Count a question of the key in the current one-hour window; 429 with ``Retry-After`` over the limit (the
    first refusal of a window is audited)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    cache = caches["default"]
    name = f"wildwatch:deconflict-rate:{key.prefix}:{window}"
    cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    limit = deconflict_limit()
    if count > limit:
        retry = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        if count == limit + 1:
            audit("deconflict.limited", organisation=key.platform.organisation, api_key=key,
                  target=f"platform:{key.platform.slug}", limit=limit)
        raise ApiError(429, "rate_limited", f"over {limit} deconfliction questions an hour for this key; "
                       f"retry in {retry} s", {"limit": limit, "window_seconds": WINDOW_SECONDS, "retry_after": retry},
                       headers={"Retry-After": str(retry)})


def _invalid(loc: list[str], message: str) -> ApiError:
    return ApiError(422, "invalid_identifier", f"{'.'.join(loc[1:])}: {message}",
                    [{"loc": loc, "message": message, "type": "invalid_identifier"}])


def identifiers_of(key: ApiKey, body: DeconflictIn) -> list[ids.Identifier]:
    """The body's identifiers, normalised; 403 for a listing that is not on the key's platform."""
    from wildwatch.hub.reports.services import ReportError, locate

    platform = key.platform
    found: list[ids.Identifier] = []
    if body.url:
        try:
            where = locate(body.url)
        except ReportError as exc:
            raise _invalid(["body", "url"], "not a web address") from exc
        if where.platform is None or where.platform.pk != platform.pk:
            audit("deconflict.refused", organisation=platform.organisation, api_key=key,
                  target=f"platform:{platform.slug}", reason="listing not on the key's platform")
            raise ApiError(403, "not_your_listing",
                           "you may ask only about listings on your own platform's domains")
        found.append(ids.Identifier("url", where.canonical))
    seller = body.seller or SellerIn()
    if seller.id:
        account = ids.seller_identifier(platform.slug, seller.id)
        if account is None:
            raise _invalid(["body", "seller", "id"], "not a seller account")
        found.append(account)
    region = ids.region_of(platform.countries)
    for n, contact in enumerate(seller.contacts):
        ident = ids.contact_identifier(contact, region)
        if ident is None:
            raise _invalid(["body", "seller", "contacts", str(n)],
                           "not a phone number, e-mail address or messaging handle")
        found.append(ident)
    return found


@router.post("", response={200: NoticeOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut}, summary="Before acting: does a law-enforcement hold cover this listing?")
def deconflict(request: HttpRequest, body: DeconflictIn, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    key = key_of(request)
    check_deconflict_rate(key)
    identifiers = identifiers_of(key, body)

    def produce() -> dict[str, Any]:
        notice = services.deconflict(key, identifiers)
        answer = notice.to_dict() if notice is not None else dict(services.NO_HOLD)
        contacts = body.seller.contacts if body.seller else []
        if contacts:  # contact signals are matched on the hub only: here and in checks
            from wildwatch.hub.signals.matching import match_item
            from wildwatch.signals.rules import hit

            answer["shared_signals"] = [hit(m) for m in match_item(key.platform, contacts=contacts)]
        return answer

    return idempotency.once(key, idempotency_key, "deconflict", request.body, produce)
