"""``Idempotency-Key`` for every POST of the API: the first answer to (API key, idempotency key) is stored in the
same transaction as the writes it reports, and a retry gets that answer back without anything being done or
counted again, also when two retries race. The same key sent with another request (another endpoint or body) is
refused with 422. Stored answers are purged after ``KEEP`` (a daily task)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from ninja import Header

from wildwatch.hub.accounts.models import ApiKey

from .errors import ApiError
from .models import IdempotentResponse

KEEP = timedelta(days=7)
#: the header every POST of the API takes
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def request_hash(endpoint: str, body: bytes) -> str:
    return hashlib.sha256(endpoint.encode("utf-8") + b"\0" + body).hexdigest()


def _stored(key: ApiKey, idempotency_key: str, digest: str) -> dict[str, Any] | None:
    stored = IdempotentResponse.objects.filter(api_key=key, key=idempotency_key).first()
    if stored is None:
        return None
    if stored.request_hash and stored.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       "this Idempotency-Key was already used for another request; use a new key for a new request",
                       {"idempotency_key": idempotency_key})
    return dict(stored.response)


def once(key: ApiKey, idempotency_key: str | None, endpoint: str, body: bytes,
         produce: Callable[[], dict[str, Any]], *, writes: bool = True) -> dict[str, Any]:
    """``produce()``, in a transaction if it ``writes``; with an idempotency key, at most once per key (see the
    module docstring). Work that must not be repeated on a retry (counting) belongs in ``transaction.on_commit``
    inside ``produce``: without a key and without writes it runs at once, on the hot path's terms."""
    if not idempotency_key:
        if not writes:
            return produce()
        with transaction.atomic():
            return produce()
    digest = request_hash(endpoint, body)
    try:
        with transaction.atomic():
            stored = _stored(key, idempotency_key, digest)
            if stored is not None:
                return stored
            response = produce()
            IdempotentResponse.objects.create(api_key=key, key=idempotency_key, request_hash=digest,
                                              response=response)
            return response
    except IntegrityError:  # a concurrent retry stored its answer first: ours was rolled back
        stored = _stored(key, idempotency_key, digest)
        if stored is None:
            raise
        return stored


def purge(older_than: timedelta = KEEP) -> int:
    """Forget stored answers older than ``older_than``; returns how many."""
    deleted, _ = IdempotentResponse.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
