"""The hub's API, version 1: thin handlers over the engine and the services (see docs/api.md)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Header, NinjaAPI
from ninja.parser import Parser
from pydantic import ValidationError as PydanticError

from wildwatch.detect.engine import Decision
from wildwatch.hub.accounts.models import ApiKey
from wildwatch.hub.accounts.roles import Role
from wildwatch.hub.campaigns.services import live_campaigns
from wildwatch.hub.enforcement.api import router as deconflict_router
from wildwatch.hub.library.models import Release
from wildwatch.hub.library.services import record_download, watermarked_bundle
from wildwatch.hub.reports import flags
from wildwatch.hub.reports.api import router as reports_router
from wildwatch.hub.signals import matching
from wildwatch.hub.signals.api import router as signals_router
from wildwatch.hub.usage import services as usage
from wildwatch.hub.usage.api import router as usage_router
from wildwatch.signals import rules as signal_rules
from wildwatch.signals.bank import SignalMatch

from . import errors, idempotency, services
from .auth import ApiKeyAuth, key_of
from .detectors import detector_for
from .errors import ApiError
from .idempotency import IdempotencyKey
from .middleware import PARSED_ATTR
from .schemas import Batch, CheckItem, DecisionIn, SearchQuery


class MiddlewareParser(Parser):
    """The JSON document the body middleware already parsed (it answered 413/422 for bad bodies)."""

    def parse_body(self, request: HttpRequest) -> Any:
        if hasattr(request, PARSED_ATTR):
            return getattr(request, PARSED_ATTR)
        return super().parse_body(request)


api = NinjaAPI(title="wildwatch hub API", version="1", urls_namespace="api", auth=ApiKeyAuth(),
               parser=MiddlewareParser(),
               description="Check listings and searches against the coalition's keyword library. See docs/api.md.")
errors.install(api)
api.add_router("/usage", usage_router)
api.add_router("/reports", reports_router)
api.add_router("/deconflict", deconflict_router)
api.add_router("/signals", signals_router)


@api.get("/health", auth=None, summary="Liveness probe: a constant answer, without a key")
def health(request: HttpRequest) -> dict[str, str]:
    """Answers without touching the database: load balancers probe it, and the API benchmark uses it as the
    framework's ceiling."""
    return {"status": "ok"}


def _text(listing: dict[str, str]) -> str:
    return listing["text"] or f"{listing['title']}\n{listing['description']}".strip()


def _result(item_id: str | None, decision: dict[str, Any]) -> dict[str, Any]:
    return {"id": item_id, **decision}


def _signal_item(item: CheckItem, listing: dict[str, str]) -> matching.Item:
    return matching.Item(images=item.images, image_urls=item.image_urls, text=_text(listing),
                         contacts=item.seller.contacts if item.seller else ())


def _with_signals(key: ApiKey, item: CheckItem, listing: dict[str, str], decision: Decision
                  ) -> tuple[Decision, dict[str, Any]]:
    """The engine's decision with the shared signals the item matches (``signals.rules``): the decision counted
    and flagged (its verdict raised) and the answer."""
    return _apply_signals(decision, matching.match_items(key.platform, [_signal_item(item, listing)])[0])


def _apply_signals(decision: Decision, matches: list[SignalMatch]) -> tuple[Decision, dict[str, Any]]:
    answer = signal_rules.apply(decision.to_dict(), matches)
    if answer["verdict"] != decision.verdict:
        decision = dataclasses.replace(decision, verdict=answer["verdict"])
    return decision, answer


@api.post("/check", summary="Check one listing or post")
def check(request: HttpRequest, item: CheckItem, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    key = key_of(request)

    def produce() -> dict[str, Any]:
        listing = item.listing()
        decision, answer = _with_signals(key, item, listing, detector_for(key.platform).check(listing))
        if decision.verdict == "review":
            flags.flag_reviews(key.platform, [(item.id, item.url, _text(listing), decision)])
        transaction.on_commit(lambda: usage.count_checks(key.platform, [decision]))
        return _result(item.id, answer)

    return idempotency.once(key, idempotency_key, "check", request.body, produce, writes=False)


@api.post("/check/batch", summary="Check up to 1,000 listings at once")
def check_batch(request: HttpRequest, batch: Batch, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    key = key_of(request)
    return idempotency.once(key, idempotency_key, "check/batch", request.body, lambda: _check_batch(key, batch),
                            writes=False)


def _check_batch(key: ApiKey, batch: Batch) -> dict[str, Any]:
    results: list[dict[str, Any] | None] = []
    good: list[tuple[int, CheckItem]] = []
    for n, raw in enumerate(batch.items):
        try:
            good.append((n, CheckItem.model_validate(raw)))
            results.append(None)
        except PydanticError as exc:
            details = errors.validation_details(exc.errors(include_url=False))
            item_id = raw.get("id")
            echo = item_id if isinstance(item_id, str) and 0 < len(item_id) <= 200 and "\x00" not in item_id \
                and item_id.isprintable() else None  # echoed (and stored with an Idempotency-Key) only when sane
            results.append({"id": echo, "error": {
                "code": "invalid_item", "message": f"invalid item {n}: {errors.describe(details)}",
                "details": details}})
    if good:
        listings = [item.listing() for _, item in good]
        decisions = detector_for(key.platform).check_many(listings)
        all_matches = matching.match_items(key.platform, [_signal_item(item, listing) for (_, item), listing
                                                          in zip(good, listings, strict=True)])
        for i, ((n, item), decision, matches) in enumerate(zip(good, decisions, all_matches, strict=True)):
            decisions[i], answer = _apply_signals(decision, matches)
            results[n] = _result(item.id, answer)
        if any(d.verdict == "review" for d in decisions):
            flags.flag_reviews(key.platform, [(item.id, item.url, _text(listing), d) for (_, item), listing, d in
                                              zip(good, listings, decisions, strict=True)])
        transaction.on_commit(lambda: usage.count_checks(key.platform, decisions))
    return {"results": results}


@api.post("/search/intercept", summary="Should a marketplace search show the educational pop-up?")
def search_intercept(request: HttpRequest, body: SearchQuery, idempotency_key: IdempotencyKey = None
                     ) -> dict[str, Any]:
    key = key_of(request)

    def produce() -> dict[str, Any]:
        # the hub's live campaign calendar, rather than the release's copy of it
        decision = detector_for(key.platform).check_search(body.query, body.lang, campaigns=live_campaigns())
        transaction.on_commit(lambda: usage.count_search(key.platform, decision.intercept, decision.campaign))
        url = decision.learn_more_url
        answer: dict[str, Any] = {
            "intercept": decision.intercept, "title": decision.title, "message": decision.message,
            # the library's links are paths on the hub: platforms get the full address
            "learn_more_url": request.build_absolute_uri(url) if url and url.startswith("/") else url}
        if decision.campaign:  # the message is an awareness campaign's
            answer["campaign"] = decision.campaign
        return answer

    return idempotency.once(key, idempotency_key, "search/intercept", request.body, produce, writes=False)


def _engineer_only(request: HttpRequest) -> None:
    if key_of(request).role != Role.ENGINEER:
        raise ApiError(403, "forbidden", "only member engineers' keys may download the library")


def _bundle(request: HttpRequest, release: Release, if_none_match: str | None) -> HttpResponse:
    key = key_of(request)
    org = key.platform.organisation
    data, signature, etag = watermarked_bundle(release, org)
    quoted = f'"{etag}"'
    if if_none_match and (if_none_match.strip() == "*" or quoted in
                          {t.strip().removeprefix("W/") for t in if_none_match.split(",")}):
        response = HttpResponse(status=304)
    else:
        record_download(release, org, api_key=key, etag=etag)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="wildwatch-library-{release.number}.zip"'
        response["X-Wildwatch-Signature"] = signature
    response["ETag"] = quoted
    response["X-Wildwatch-Release"] = str(release.number)
    return response


@api.get("/library/releases/latest", summary="The organisation's copy of the latest release (engineer keys)")
def latest_release(request: HttpRequest, if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None
                   ) -> HttpResponse:
    _engineer_only(request)
    return _bundle(request, services.find_release(None), if_none_match)


@api.get("/library/releases/{n}", summary="The organisation's copy of release n (engineer keys)")
def numbered_release(request: HttpRequest, n: int,
                     if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None) -> HttpResponse:
    _engineer_only(request)
    return _bundle(request, services.find_release(n), if_none_match)


@api.post("/decisions", summary="Report the action taken on a checked item (feeds the terms' precision)")
def decisions(request: HttpRequest, body: DecisionIn, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    key = key_of(request)
    return idempotency.once(key, idempotency_key, "decisions", request.body, lambda: services.record_decision(
        key, body.id, body.verdict_taken, body.policy, confirmed=body.terms_confirmed, rejected=body.terms_rejected,
        content=body.content))
