"""``/api/v1/signals``: contribute, pull, retract, and give opinions on shared signals (see docs/api.md).

Only keys of member companies with signal sharing enabled get past ``require_sharing`` (403 otherwise); every
POST takes an ``Idempotency-Key``; errors have the API's one shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import field_validator, model_validator

from wildwatch.hub.checks import idempotency
from wildwatch.hub.checks.auth import key_of
from wildwatch.hub.checks.errors import ApiError
from wildwatch.hub.checks.idempotency import IdempotencyKey
from wildwatch.hub.checks.schemas import MAX_IMAGES, PolicyName, StoredText, check_images

from . import content, services
from .services import SignalError

router = Router(tags=["signals"])


class SignalIn(Schema):
    """Content removed by the member: images (base64 or allow-listed URLs), the listing's text, seller contacts."""

    category: PolicyName
    item_id: StoredText = Field(default="", max_length=200)
    images: list[str] = Field(default_factory=list, max_length=MAX_IMAGES)
    image_urls: list[str] = Field(default_factory=list, max_length=MAX_IMAGES)
    text: StoredText | None = Field(default=None, max_length=100_000)
    contacts: list[StoredText] = Field(default_factory=list, max_length=20)
    expires_at: datetime | None = None

    @field_validator("images")
    @classmethod
    def _images(cls, images: list[str]) -> list[str]:
        return check_images(images)

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, contacts: list[str]) -> list[str]:
        if any(len(c) > 300 for c in contacts):
            raise ValueError("a contact is at most 300 characters")
        return contacts

    @model_validator(mode="after")
    def _something(self) -> SignalIn:
        if not (self.images or self.image_urls or self.text or self.contacts):
            raise ValueError("give at least one of images, image_urls, text or contacts")
        return self


class OpinionIn(Schema):
    opinion: Literal["confirm", "dispute"]
    comment: StoredText = Field(default="", max_length=2000)


class Cursor(Schema):
    since: int = Field(default=0, ge=0, le=2**62)
    limit: int = Field(default=services.PULL_LIMIT, ge=1, le=services.PULL_LIMIT)


def _raise(exc: SignalError) -> ApiError:
    return ApiError(exc.status, exc.code, str(exc))


@router.post("", summary="Share the hashes of removed content (images, text, seller contacts)")
def contribute(request: HttpRequest, body: SignalIn, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    key = key_of(request)
    org = key.platform.organisation

    def produce() -> dict[str, Any]:
        try:
            services.require_sharing(org)
            found = content.build(key.platform, images=body.images, image_urls=body.image_urls, text=body.text,
                                  contacts=body.contacts)
            if not found.content:
                raise SignalError("nothing_to_share", "nothing in this content can be shared: "
                                  + "; ".join(found.problems or ["no usable image, text or contact"]))
            signals = services.contribute(org, found.content, category=body.category, platform=key.platform,
                                          source="api", item_id=body.item_id, expires_at=body.expires_at,
                                          api_key=key)
        except SignalError as exc:
            raise _raise(exc) from None
        return {"signals": [{"id": s.pk, "kind": s.kind} for s in signals], "skipped": found.problems}

    return idempotency.once(key, idempotency_key, "signals", request.body, produce)


@router.get("", summary="The signal log after a cursor: image and text signals added or removed")
def pull(request: HttpRequest, cursor: Query[Cursor]) -> dict[str, Any]:
    key = key_of(request)
    try:
        return services.pull(key.platform.organisation, cursor.since, limit=cursor.limit, api_key=key)
    except SignalError as exc:
        raise _raise(exc) from None


@router.post("/{signal_id}/retract", summary="Withdraw your contribution to a signal")
def retract(request: HttpRequest, signal_id: int, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    key = key_of(request)

    def produce() -> dict[str, Any]:
        try:
            services.require_sharing(key.platform.organisation)
            signal = services.retract(key.platform.organisation, signal_id, api_key=key)
        except SignalError as exc:
            raise _raise(exc) from None
        return {"id": signal.pk, "retracted": True, "matching": signal.status == "active"}

    return idempotency.once(key, idempotency_key, f"signals/{signal_id}/retract", request.body, produce)


@router.post("/{signal_id}/opinion", summary="Confirm or dispute a signal your checks matched")
def opinion(request: HttpRequest, signal_id: int, body: OpinionIn, idempotency_key: IdempotencyKey = None
            ) -> dict[str, Any]:
    key = key_of(request)

    def produce() -> dict[str, Any]:
        try:
            signal = services.give_opinion(key.platform.organisation, signal_id, body.opinion, body.comment,
                                           api_key=key)
        except SignalError as exc:
            raise _raise(exc) from None
        return {"id": signal.pk, "opinion": body.opinion, "status": signal.status}

    return idempotency.once(key, idempotency_key, f"signals/{signal_id}/opinion", request.body, produce)
